from django.core.management.base import BaseCommand

from caching.invalidation import everything


class Command(BaseCommand):
    help = (
        "Drop every cached page, fragment and edge object (the one "
        "invalidation point, for everything): after a restore, or a change "
        "made outside the application. scripts/restore runs it."
    )

    def handle(self, *args, **options):
        everything()
        self.stdout.write("Every cache and edge copy dropped.")
