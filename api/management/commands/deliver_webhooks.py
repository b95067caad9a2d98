"""`manage.py deliver_webhooks`: send the webhook deliveries that are due
(retries, stories that went live on schedule) and delete delivery rows
older than 30 days. NEWSROOM_SCHEDULE runs it every minute; new events are
sent at once by a worker without it."""

from django.core.management.base import BaseCommand

from api import webhooks


class Command(BaseCommand):
    help = "Send the webhook deliveries that are due; forget old ones."

    def handle(self, *args, **options):
        tried = webhooks.deliver_due()
        forgotten = webhooks.forget_old()
        self.stdout.write(
            f"{tried} delivery attempt(s), {forgotten} old row(s) deleted"
        )
