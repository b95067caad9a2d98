from django.core.management.base import BaseCommand

from comments.demo import ensure_demo_comments


class Command(BaseCommand):
    help = "Add demo comments (approved, pending, spam, replies) to the lead article."

    def handle(self, *args, **options):
        count = ensure_demo_comments()
        self.stdout.write(f"{count} demo comment(s) created.")
