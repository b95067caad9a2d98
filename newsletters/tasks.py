"""Newsletter mail sent by the workers: the sign-up's confirmation."""

import logging

from django.tasks import task

from comments.tasks import MAIL_ERRORS, retry_or_alert

from .mail import confirmation_message
from .models import Newsletter, Subscriber

logger = logging.getLogger(__name__)


@task
def send_confirmation(email: str, newsletter_ids, replaces: str = "", attempt=1):
    """The double opt-in e-mail (claimed by newsletter_signup before it was
    queued: one per interval per address)."""
    newsletters = list(Newsletter.objects.filter(pk__in=newsletter_ids))
    if not newsletters or not Subscriber.objects.filter(email=email).exists():
        return 0
    try:
        confirmation_message(email, newsletters, replaces=replaces).send()
    except MAIL_ERRORS as error:
        Subscriber.objects.filter(email=email).update(confirm_sent_at=None)
        retry_or_alert(
            what="a newsletter confirmation e-mail",
            error=error,
            attempt=attempt,
            again=lambda n, at: send_confirmation.using(run_after=at).enqueue(
                email, newsletter_ids, replaces, attempt=n
            ),
        )
        return 0
    return 1
