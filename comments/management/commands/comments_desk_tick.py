from django.core.management.base import BaseCommand

from comments.services import (
    comment_counts_refresh,
    send_due_mails,
    surges_lift_quiet,
)


class Command(BaseCommand):
    help = (
        "The moderation desk's periodic work: send the commenters' decision "
        "e-mails whose undo window has passed and the reply e-mails that are "
        "due, recount the listings' comment counts, and lift the surge guard of "
        "stories that went quiet. Run every minute from cron or a systemd "
        "timer when no task worker runs (the queue and desk pages do it too)."
    )

    def handle(self, *args, **options):
        sent = send_due_mails()
        counts = comment_counts_refresh()
        lifted = surges_lift_quiet()
        self.stderr.write(
            f"Sent {sent} e-mail(s); {counts} comment count(s) changed; "
            f"lifted {lifted} surge(s)."
        )
