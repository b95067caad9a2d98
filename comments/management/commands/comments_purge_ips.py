from django.core.management.base import BaseCommand

from comments.services import comments_purge_ips


class Command(BaseCommand):
    help = (
        "Blank the IP addresses of comments older than COMMENTS_IP_RETENTION_DAYS "
        "(default 30). Run daily, e.g. from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        count = comments_purge_ips(older_than_days=days)
        self.stderr.write(f"Blanked the IP address of {count} comment(s).")
