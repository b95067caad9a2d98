from django.core.management.base import BaseCommand

from newsletters.services import subscriber_erase


class Command(BaseCommand):
    help = "Forget this e-mail address and its newsletter subscriptions."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        erased = subscriber_erase(email=email)
        self.stdout.write("Erased." if erased else "Nothing kept for that address.")
