"""`manage.py audience_rollup`: per-minute view counts older than
NEWSROOM_AUDIENCE_MINUTE_DAYS become per-day counts; per-day counts older
than NEWSROOM_AUDIENCE_DAY_DAYS are deleted (run hourly by run_schedule)."""

from django.core.management.base import BaseCommand

from audience.services import rollup


class Command(BaseCommand):
    help = "Roll old per-minute view counts up into days; drop the oldest days."

    def handle(self, *args, **options):
        rolled, dropped = rollup()
        self.stdout.write(f"{rolled} per-minute rows rolled up, {dropped} days dropped")
