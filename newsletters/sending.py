"""Sending a newsletter: every confirmed subscriber exactly once.

1. `send_start` makes one Delivery row per confirmed, unsuppressed
   subscriber in one INSERT … SELECT (100,000 rows in a few seconds), each
   with its Message-ID fixed in advance, and queues the batches for the
   workers.
2. `send_batch` (a worker's job) goes through its rows over one SMTP
   connection (Django's e-mail backend: the MTA), CHUNK rows at a time: it
   claims them (`queued` to `sending`, committed) while reading their
   subscriptions again, in one statement (an unsubscribe during the send
   is never lost: it holds for every row not yet claimed, a fraction of a
   second later at most), then hands each message to the MTA and marks
   its row `sent`.
   A 5xx refusal of the recipient suppresses the address at once (the
   site's ledger); a 4xx or a lost connection puts the row back.
3. A worker killed between the MTA's acceptance and the row's update
   leaves it `sending`. `reconcile` (run by the next batch job and by the
   schedule) settles such rows once their claim is older than
   NEWSROOM_NEWSLETTER_CLAIM_SECONDS (a live worker takes far less): a
   Message-ID the MTA's log shows as received means sent; otherwise it
   is queued again. Without an MTA log (development), it is queued again:
   a possible repeat rather than a missed reader.

Headers: Message-ID, List-Id, List-Unsubscribe (the one-click link) with
List-Unsubscribe-Post (RFC 8058), Precedence: bulk, and a VERP return
path (bounces+<delivery id>@<domain>) so a later bounce names its
delivery. No tracking pixel, no rewritten link."""

import email
import logging
import re
import smtplib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Count, F
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from comments.mail import site_url
from comments.models import MailAddress
from comments.services import mail_address_suppress
from infra.mail import ListMultiAlternatives, mail_domain

from . import tokens
from .models import Delivery, Send, Subscriber, Subscription

logger = logging.getLogger(__name__)

BATCH = 500
DELIVERY_DAYS = 30


def _domain() -> str:
    """The mail domain of the site's sender (DEFAULT_FROM_EMAIL): the VERP
    return path and the Message-IDs are on it. An address literal (an IP)
    is written in brackets, as SMTP wants it."""
    domain = mail_domain(settings.DEFAULT_FROM_EMAIL) or "localhost"
    if re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+", domain):
        return f"[{domain}]"
    return domain


def send_start(*, send: Send, by=None) -> int:
    """Make the send's deliveries and queue its batches. Returns how many
    recipients it has. A send starts once."""
    d = Delivery._meta.db_table
    s = Subscriber._meta.db_table
    sub = Subscription._meta.db_table
    m = MailAddress._meta.db_table
    with transaction.atomic():
        locked = Send.objects.select_for_update().get(pk=send.pk)
        if locked.status != Send.Status.DRAFT:
            return locked.deliveries.count()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {d} (send_id, email, message_id, status, attempts, error)
                SELECT %(send)s, s.email,
                       '<nl.' || %(send)s || '.' || s.id || '@' || %(domain)s || '>',
                       'queued', 0, ''
                FROM {s} s JOIN {sub} sub ON sub.subscriber_id = s.id
                WHERE sub.newsletter_id = %(newsletter)s
                  AND sub.confirmed_at IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {m} m WHERE m.email = s.email
                                  AND m.suppressed_at IS NOT NULL)
                ON CONFLICT DO NOTHING
                """,
                {
                    "send": send.pk,
                    "domain": _domain(),
                    "newsletter": send.newsletter_id,
                },
            )
            count = cursor.rowcount
        Send.objects.filter(pk=send.pk).update(
            status=Send.Status.SENDING, started_at=timezone.now()
        )
        transaction.on_commit(lambda: queue_batches(send.pk))
    return count


def queue_batches(send_id: int) -> int:
    """A job per BATCH queued rows of the send."""
    ids = list(
        Delivery.objects.filter(send_id=send_id, status=Delivery.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        send_batch.enqueue(send_id, chunk[0], chunk[-1])
    if not ids:
        _finish_if_done(send_id)
    return len(ids)


def message_for(send: Send, delivery: Delivery) -> ListMultiAlternatives:
    unsubscribe = site_url(
        reverse(
            "newsletters:unsubscribe",
            args=[tokens.unsubscribe_token(delivery.email, send.newsletter_id)],
        )
    )
    manage = site_url(
        reverse("newsletters:manage", args=[tokens.manage_token(delivery.email)])
    )
    footer_text = (
        f"\n\n--\nYour newsletters: {manage}\nUnsubscribe from "
        f"{send.newsletter.name}: {unsubscribe}\n"
    )
    footer_html = (
        '<p style="font-size:12px;color:#555">'
        f'<a href="{manage}">Your newsletters</a> · '
        f'<a href="{unsubscribe}">Unsubscribe from {send.newsletter.name}</a></p>'
    )
    html = send.html
    html = (
        html.replace("</body>", footer_html + "</body>")
        if "</body>" in html
        else html + footer_html
    )
    message = ListMultiAlternatives(
        subject=send.subject,
        body=send.text + footer_text,
        from_email=f"bounces+{delivery.pk}@{_domain()}",  # VERP: the envelope
        to=[delivery.email],
        headers={
            "From": settings.DEFAULT_FROM_EMAIL,
            "Message-ID": delivery.message_id,
            "List-Id": f"{send.newsletter.name} <{send.newsletter.slug}.{_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_test(*, send: Send, email: str) -> None:
    """The edition as a subscriber gets it, to one address (an editor's
    own): no delivery row, marked as a test."""
    preview = Delivery(pk=0, send=send, email=email, message_id="")
    message = message_for(send, preview)
    message.subject = f"[Test] {send.subject}"
    del message.extra_headers["Message-ID"]
    message.from_email = settings.DEFAULT_FROM_EMAIL
    message.send()


CHUNK = 50


def _claim_chunk(send: Send, ids: list[int]) -> list[Delivery]:
    """Claim the rows `ids` still queued (another worker may have some)
    and skip those whose subscription ended or whose address is
    suppressed meanwhile: two statements for CHUNK rows. The rows to send
    now, in order."""
    d = Delivery._meta.db_table
    s = Subscriber._meta.db_table
    sub = Subscription._meta.db_table
    m = MailAddress._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {d} AS d SET status = 'sending', claimed_at = now()
            WHERE d.id = ANY(%(ids)s) AND d.status = 'queued'
            RETURNING d.id, d.email, d.message_id,
              EXISTS (SELECT 1 FROM {sub} sub JOIN {s} s ON s.id = sub.subscriber_id
                      WHERE s.email = d.email AND sub.newsletter_id = %(newsletter)s
                        AND sub.confirmed_at IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM {m} m WHERE m.email = d.email
                              AND m.suppressed_at IS NOT NULL)
            """,
            {"ids": ids, "newsletter": send.newsletter_id},
        )
        rows = cursor.fetchall()
    unwanted = [row[0] for row in rows if not row[3]]
    if unwanted:
        Delivery.objects.filter(pk__in=unwanted).update(status=Delivery.Status.SKIPPED)
    return [
        Delivery(pk=pk, send=send, email=email, message_id=message_id)
        for pk, email, message_id, wanted in sorted(rows)
        if wanted
    ]


def _mark(pk: int, status: str, **changes) -> None:
    Delivery.objects.filter(pk=pk).update(status=status, **changes)


def _hand_over(mta, message) -> None:
    """Give one message to the MTA (a test replaces this to stop a worker
    between the MTA's acceptance and the row's update)."""
    mta.send_messages([message])


def _send_one(mta, send: Send, delivery: Delivery) -> bool:
    """Hand one claimed row's message to the MTA and record the outcome;
    True if it was taken."""
    try:
        _hand_over(mta, message_for(send, delivery))
    except smtplib.SMTPRecipientsRefused as refused:
        code, answer = next(iter(refused.recipients.values()))
        if 500 <= code < 600:
            _mark(delivery.pk, Delivery.Status.FAILED, error=_said(code, answer))
            mail_address_suppress(email=delivery.email)
        else:
            _requeue(delivery, _said(code, answer))
        return False
    except smtplib.SMTPDataError as refused:
        # The message itself refused: this recipient's copy fails, the
        # address is not to blame.
        said = _said(refused.smtp_code, refused.smtp_error)
        if 500 <= refused.smtp_code < 600:
            _mark(delivery.pk, Delivery.Status.FAILED, error=said)
        else:
            _requeue(delivery, said)
        return False
    except (smtplib.SMTPException, OSError) as error:
        # The sender refused (our configuration), the connection lost:
        # nobody's fault but ours; the row waits for the next run, and the
        # job fails so that it is seen.
        _requeue(delivery, str(error))
        raise
    _mark(delivery.pk, Delivery.Status.SENT, sent_at=timezone.now())
    return True


@task
def send_batch(send_id: int, first: int, last: int) -> int:
    """Send the queued rows first..last of the send over one connection.
    Safe to run twice or in several workers at once (rows are claimed)."""
    reconcile(send_id)
    send = Send.objects.select_related("newsletter").get(pk=send_id)
    if send.status == Send.Status.CANCELLED:
        return 0
    ids = list(
        Delivery.objects.filter(
            send_id=send_id, pk__gte=first, pk__lte=last, status=Delivery.Status.QUEUED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    mta = mailers.default  # one connection for the batch
    try:
        mta.open()
        for start in range(0, len(ids), CHUNK):
            chunk = _claim_chunk(send, ids[start : start + CHUNK])
            for n, delivery in enumerate(chunk):
                try:
                    sent += _send_one(mta, send, delivery)
                except Exception:
                    # The rest of the chunk was claimed and never handed
                    # over: it goes back at once.
                    Delivery.objects.filter(
                        pk__in=[d.pk for d in chunk[n + 1 :]],
                        status=Delivery.Status.SENDING,
                    ).update(status=Delivery.Status.QUEUED)
                    raise
    finally:
        mta.close()
    _finish_if_done(send_id)
    return sent


def _said(code: int, answer) -> str:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    return f"{code} {text}"[:300]


def _requeue(delivery: Delivery, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, attempts=F("attempts") + 1, error=error[:300]
    )


def _finish_if_done(send_id: int) -> None:
    waiting = Delivery.objects.filter(
        send_id=send_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    ).exists()
    if not waiting:
        Send.objects.filter(pk=send_id, status=Send.Status.SENDING).update(
            status=Send.Status.DONE, finished_at=timezone.now()
        )


def _received_by_mta(message_ids: set[str]) -> set[str]:
    """Those of `message_ids` the MTA's log shows it received (Postfix's
    cleanup line: `message-id=<…>`). NEWSROOM_MTA_LOG names the log."""
    if not settings.NEWSROOM_MTA_LOG:
        return set()
    path = Path(settings.NEWSROOM_MTA_LOG)
    found = set()
    # The log and its rotated copies (mta.log.1, … as supervisord keeps them).
    for log_file in [path, *sorted(path.parent.glob(path.name + ".[0-9]*"))]:
        if not log_file.is_file():
            continue
        with open(log_file, encoding="utf-8", errors="replace") as log:
            for line in log:
                if "message-id=<" in line:
                    value = line.split("message-id=<", 1)[1].split(">", 1)[0]
                    if f"<{value}>" in message_ids:
                        found.add(f"<{value}>")
    return found


def reconcile(send_id: int | None = None) -> dict:
    """Rows left `sending` by a worker that stopped: sent if the MTA
    received their Message-ID, else queued again (and their batch)."""
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING,
        claimed_at__lt=timezone.now()
        - timedelta(seconds=settings.NEWSROOM_NEWSLETTER_CLAIM_SECONDS),
    )
    if send_id is not None:
        stale = stale.filter(send_id=send_id)
    rows = {row.message_id: row for row in stale}
    if not rows:
        return {"sent": 0, "queued": 0}
    received = _received_by_mta(set(rows))
    now = timezone.now()
    for message_id, row in rows.items():
        if message_id in received:
            _mark(row.pk, Delivery.Status.SENT, sent_at=now)
        else:
            _requeue(row, "its worker stopped before the MTA took it")
    again = {row.send_id for mid, row in rows.items() if mid not in received}
    for pk in again:  # rows are claimed: a second job for one is harmless
        transaction.on_commit(lambda pk=pk: queue_batches(pk))
    return {"sent": len(received), "queued": len(rows) - len(received)}


def progress(send: Send) -> dict:
    """Counts by state, for the send's admin page."""
    counts = dict(
        send.deliveries.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Delivery.Status.values}


def deliveries_forget() -> int:
    """Delivery rows of sends finished more than DELIVERY_DAYS ago."""
    limit = timezone.now() - timedelta(days=DELIVERY_DAYS)
    deleted, _ = Delivery.objects.filter(
        send__finished_at__lt=limit, send__status=Send.Status.DONE
    ).delete()
    return deleted


VERP = re.compile(r"^bounces\+(\d+)@", re.IGNORECASE)


def bounce_received(*, recipient: str, raw: bytes) -> str | None:
    """A bounce that came back to a VERP address (`recipient`, the
    envelope recipient: bounces+<delivery>@domain): a permanent failure
    (a DSN whose Status is 5.x.x, or no DSN status at all) suppresses the
    delivery's address; a delay (4.x.x) changes nothing. Returns the
    address suppressed, or None."""
    found = VERP.match(recipient.strip().strip("<>"))
    if not found:
        return None
    delivery = Delivery.objects.filter(pk=int(found[1])).first()
    if delivery is None:
        return None
    message = email.message_from_bytes(raw)
    statuses = [
        fields.get("Status", "")
        for part in message.walk()
        if part.get_content_type() == "message/delivery-status"
        for fields in part.get_payload()  # one block per recipient
    ]
    if any(s.strip().startswith("4.") for s in statuses) and not any(
        s.strip().startswith("5.") for s in statuses
    ):
        return None
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, error=f"bounced: {', '.join(statuses)}"[:300]
    )
    mail_address_suppress(email=delivery.email)
    return delivery.email
