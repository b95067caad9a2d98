"""`manage.py newsletter_reconcile`: settle deliveries a stopped worker
left half-done (by the MTA's log), queue what remains, and delete delivery
rows of sends finished more than 30 days ago. NEWSROOM_SCHEDULE runs it
every minute."""

from django.core.management.base import BaseCommand

from newsletters import sending


class Command(BaseCommand):
    help = "Settle newsletter deliveries left half-done; forget old ones."

    def handle(self, *args, **options):
        settled = sending.reconcile()
        forgotten = sending.deliveries_forget()
        self.stdout.write(
            f"{settled['sent']} found sent in the MTA's log, "
            f"{settled['queued']} queued again, {forgotten} old row(s) deleted"
        )
