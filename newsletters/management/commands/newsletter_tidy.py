"""`manage.py newsletter_tidy`: forget sign-ups never confirmed after a
week (their links have expired). NEWSROOM_SCHEDULE runs it daily."""

from django.core.management.base import BaseCommand

from newsletters import services


class Command(BaseCommand):
    help = "Forget newsletter sign-ups never confirmed after a week."

    def handle(self, *args, **options):
        count = services.unconfirmed_forget()
        self.stdout.write(f"{count} unconfirmed sign-up(s) forgotten")
