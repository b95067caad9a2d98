"""Background work for comments (Django's tasks framework).

Every e-mail is sent through the site's mail (in `make cluster` its own
MTA). One the mail server refuses or cannot take is tried again later, with
growing pauses (MAIL_RETRY_SECONDS); after the last try the moderation desk
says so (MailFailure)."""

import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.tasks import task
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from infra.text import one_line

from .counts import comment_counts_due, comment_counts_refresh
from .mail import (
    confirmation_message,
    decision_message,
    quoted_lines,
    reply_message,
    site_url,
)
from .models import (
    MODERATE_CODENAME,
    Comment,
    DecisionMail,
    DecisionMailDay,
    MailAddress,
    MailFailure,
    ReplyMail,
)
from .preferences import current

logger = logging.getLogger(__name__)

# Pauses before each new try of an e-mail the mail server did not take;
# after the last, the desk is told.
MAIL_RETRY_SECONDS = (30, 120, 600, 1800)
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def retry_or_alert(*, what: str, error: Exception, attempt: int, again) -> None:
    """A mail server refused `what` or could not be reached (try number
    `attempt`): `again(next_attempt, run_after)` queues it once more after a
    pause; past the last pause (or with no task backend that can wait) the
    failure is recorded for the moderation desk."""
    from .models import MailFailure

    can_wait = notify_moderators.get_backend().supports_defer
    if can_wait and attempt <= len(MAIL_RETRY_SECONDS):
        pause = MAIL_RETRY_SECONDS[attempt - 1]
        logger.warning("E-mail %s not sent (%s): again in %s s", what, error, pause)
        again(attempt + 1, timezone.now() + timedelta(seconds=pause))
        return
    logger.error("E-mail %s not sent after %s tries: %s", what, attempt, error)
    MailFailure.objects.create(what=what, error=str(error)[:1000], attempts=attempt)


def moderator_emails() -> list[str]:
    """NEWSROOM_MODERATOR_EMAILS, or every active user who may moderate."""
    configured = getattr(settings, "NEWSROOM_MODERATOR_EMAILS", [])
    if configured:
        return list(configured)
    perm = Q(groups__permissions__codename=MODERATE_CODENAME) | Q(
        user_permissions__codename=MODERATE_CODENAME
    )
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(perm | Q(is_superuser=True)).distinct()
    return sorted(users.values_list("email", flat=True))


NOTICE_WINDOW_KEY = "comments:notice-window"
FOLLOW_UP_KEY = "comments:notice-follow-up"
LAST_NOTICE_KEY = "comments:last-notice"


def moderators_notice_due() -> None:
    """A comment is waiting. Moderators get at most one e-mail per
    COMMENTS_NOTIFY_SECONDS (the first at once), listing every comment that
    came in since the previous one: a burst of 500 comments is one e-mail,
    not 500. With a task backend that can defer (the database one), comments
    arriving inside the window get a follow-up e-mail when it closes. The
    window lives in the shared cache, so it holds across app servers."""
    window = settings.COMMENTS_NOTIFY_SECONDS
    if time.monotonic() < _known_open["until"]:
        return  # this process saw the window (and follow-up) taken moments ago
    if cache.add(NOTICE_WINDOW_KEY, 1, window):
        notify_moderators.enqueue()
        return
    if notify_moderators.get_backend().supports_defer and cache.add(
        FOLLOW_UP_KEY, 1, window
    ):
        run_after = timezone.now() + timedelta(seconds=window)
        notify_moderators.using(run_after=run_after).enqueue()
    # Both taken: during a burst, ask the shared cache again in a little while
    # rather than on every comment.
    _known_open["until"] = time.monotonic() + min(5, window)


_known_open = {"until": 0.0}


@task
def notify_moderators(attempt: int = 1) -> int:
    """E-mail moderators the comments awaiting moderation that came in since
    the previous e-mail; returns how many e-mails were sent. When the mail
    server does not take it, the same comments go in the next try."""
    since = cache.get(LAST_NOTICE_KEY)
    waiting = Comment.objects.pending().select_related("article")
    if since is not None:
        waiting = waiting.filter(created_at__gt=since)
    newest = list(waiting.order_by("-created_at")[:20])
    recipients = moderator_emails()
    if not newest or not recipients:
        return 0
    count = len(newest) if len(newest) < 20 else waiting.count()
    queue = site_url(
        reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    )
    parts = [
        f"{count} new comment{pluralize(count)} waiting for moderation."
        + (" The newest 20:" if count > 20 else ""),
        *(
            f"On “{c.article.title}”\nAuthor: {one_line(c.name)} "
            f"<{one_line(c.email)}>\nRule: {c.rule}\n\n"
            + "\n".join(quoted_lines(c.body[:2000]))
            for c in newest
        ),
        f"Moderation queue: {queue}",
    ]
    try:
        send_mail(
            subject=(
                f"[{settings.NEWSROOM_SITE_NAME}] {count} comment{pluralize(count)} "
                "awaiting moderation"
            ),
            message="\n\n---\n\n".join(parts) + "\n",
            from_email=None,
            recipient_list=recipients,
        )
    except MAIL_ERRORS as error:
        retry_or_alert(
            what="the moderators' notice of comments awaiting moderation",
            error=error,
            attempt=attempt,
            again=lambda n, at: notify_moderators.using(run_after=at).enqueue(
                attempt=n
            ),
        )
        return 0
    cache.set(LAST_NOTICE_KEY, newest[0].created_at, None)
    return 1


@task
def send_decision_mails() -> int:
    """Send the commenters' decision e-mails that are due (after the undo
    window); safe to run twice: each is marked sent before it goes."""
    return send_due_decision_mails()


@task
def surge_alert(surge_pk: int, attempt: int = 1) -> int:
    """One e-mail to the desk: a story's comments are now held (surge).
    Marked sent before it goes: run twice (a worker died), it goes once."""
    from .models import CommentSurge

    recipients = moderator_emails()
    claimed = CommentSurge.objects.filter(pk=surge_pk, alerted_at__isnull=True).update(
        alerted_at=timezone.now()
    )
    surge = CommentSurge.objects.filter(pk=surge_pk).select_related("article").first()
    if not claimed or surge is None or not recipients:
        return 0
    article = surge.article
    try:
        _surge_mail(article, recipients)
    except MAIL_ERRORS as error:
        # Not sent: the next try may claim it again.
        CommentSurge.objects.filter(pk=surge_pk).update(alerted_at=None)
        retry_or_alert(
            what=f"the surge alert for “{article.title}”",
            error=error,
            attempt=attempt,
            again=lambda n, at: surge_alert.using(run_after=at).enqueue(
                surge_pk, attempt=n
            ),
        )
        return 0
    return 1


def _surge_mail(article, recipients) -> None:
    desk = site_url(reverse("admin:comments_comment_desk"))
    minutes = current().surge_window_seconds // 60
    send_mail(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] Comment surge on “{article.title}”",
        message=(
            f"“{article.title}” received {current().surge_threshold} "
            f"comments or more in {minutes} minutes. Its new comments now wait "
            "for a moderator until the rate falls below "
            f"{current().surge_lift} in {minutes} minutes.\n\n"
            f"Moderation desk: {desk}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )


def send_due_mails(*, now=None) -> int:
    """The commenters' decision and reply e-mails that are due (the desk's
    pages and the desk tick run it, so e-mail goes even with no worker that
    can wait); one query when none is due."""
    now = now or timezone.now()
    decisions = DecisionMail.objects.filter(sent_at__isnull=True, due_at__lte=now)
    replies = ReplyMail.objects.filter(sent_at__isnull=True, due_at__lte=now)
    due = set(
        decisions.values_list(Value("decision"))[:1].union(
            replies.values_list(Value("reply"))[:1]
        )
    )
    sent = 0
    if ("decision",) in due:
        sent += send_due_decision_mails(now=now)
    if ("reply",) in due:
        sent += send_due_reply_mails(now=now)
    return sent


def send_due_decision_mails(*, now=None) -> int:
    """Send the decision e-mails whose undo window has passed. Each is
    marked sent before it goes (at most once, even with two workers); an
    address gets at most one a day and none after unsubscribing. One the
    mail server does not take is due again after a pause (MAIL_RETRY_SECONDS),
    then given up and shown on the desk."""
    now = now or timezone.now()
    sent = 0
    due = DecisionMail.objects.filter(sent_at__isnull=True, due_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            mail = (
                DecisionMail.objects.select_for_update(skip_locked=True)
                .select_related("comment__article")
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if mail is None:
                continue
            address = mail.comment.email.lower()
            mail.sent_at = now
            mail.outcome = _mail_outcome(address, now)
            mail.save(update_fields=["sent_at", "outcome"])
        if mail.outcome == "sent":
            try:
                decision_message(mail).send()
            except MAIL_ERRORS as error:
                _decision_mail_failed(mail, address, error, now)
                continue
            sent += 1
    return sent


def _queued_mail_failed(mail, error, now, *, what: str) -> None:
    """A QueuedMail the mail server did not take: due again after the next
    pause (MAIL_RETRY_SECONDS), or given up after the last and shown on the
    moderation desk."""
    attempts = mail.attempts + 1
    rows = type(mail).objects.filter(pk=mail.pk)
    if attempts <= len(MAIL_RETRY_SECONDS):
        rows.update(
            sent_at=None,
            outcome="",
            attempts=attempts,
            due_at=now + timedelta(seconds=MAIL_RETRY_SECONDS[attempts - 1]),
        )
        return
    rows.update(outcome="failed", attempts=attempts)
    MailFailure.objects.create(what=what, error=str(error)[:1000], attempts=attempts)


def _decision_mail_failed(mail, address: str, error, now) -> None:
    """Not sent: the address's daily allowance given back, and due again
    or given up."""
    with transaction.atomic():
        DecisionMailDay.objects.filter(
            email=address, day=timezone.localdate(now)
        ).delete()
        _queued_mail_failed(
            mail,
            error,
            now,
            what=f"the decision e-mail for comment #{mail.comment_id}",
        )


def _mail_outcome(address: str, now) -> str:
    if not address:
        return "no-address"
    if MailAddress.objects.of(address).suppressed().exists():
        return "unsubscribed"
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            DecisionMailDay.objects.create(email=address, day=day)
    except IntegrityError:
        return "daily-limit"
    return "sent"


@task
def send_confirmation_mail(email: str, attempt: int = 1) -> int:
    """The double opt-in e-mail for reply notifications: a link that
    confirms the address. Claimed before it goes (`confirm_sent_at`), so an
    address receives at most one per CONFIRMATION_INTERVAL, even with two
    workers or a job run twice; none once confirmed or unsubscribed."""
    now = timezone.now()
    claimed = (
        MailAddress.objects.of(email)
        .due_a_confirmation(now)
        .update(confirm_sent_at=now)
    )
    if not claimed:
        return 0
    try:
        confirmation_message(email.lower()).send()
    except MAIL_ERRORS as error:
        # Not sent: the address may be sent one again.
        MailAddress.objects.of(email).filter(confirm_sent_at=now).update(
            confirm_sent_at=None
        )
        retry_or_alert(
            what="a confirmation e-mail for reply notifications",
            error=error,
            attempt=attempt,
            again=lambda n, at: send_confirmation_mail.using(run_after=at).enqueue(
                email, attempt=n
            ),
        )
        return 0
    return 1


@task
def send_reply_mails() -> int:
    """Send the reply notifications that are due; safe to run twice (each
    is marked sent before it goes)."""
    return send_due_reply_mails()


def send_due_reply_mails(*, now=None) -> int:
    """Send the "someone replied" e-mails that are due. Each is claimed and
    marked before it goes (at most once, even with two workers or a worker
    killed mid-send), under a lock on the recipient's ledger row, which
    also makes the daily limit exact. Only to a confirmed address that has
    not unsubscribed; a reply no longer published (or whose comment is no
    longer published or no longer asks) is dropped; one the mail server
    does not take is due again after a pause, then given up."""
    now = now or timezone.now()
    sent = 0
    due = ReplyMail.objects.filter(sent_at__isnull=True, due_at__lte=now)
    for pk in list(due.order_by("due_at").values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            mail = (
                ReplyMail.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("reply__article", "reply__parent")
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if mail is None:
                continue
            if not _reply_still_wanted(mail.reply):
                mail.delete()  # approved again later, it is queued afresh
                continue
            mail.sent_at = now
            mail.outcome = _reply_mail_outcome(mail.email, now)
            mail.save(update_fields=["sent_at", "outcome"])
        if mail.outcome == "sent":
            try:
                reply_message(mail).send()
            except MAIL_ERRORS as error:
                what = f"the reply e-mail for comment #{mail.reply_id}"
                _queued_mail_failed(mail, error, now, what=what)
                continue
            sent += 1
    return sent


def _reply_still_wanted(reply) -> bool:
    parent = reply.parent
    return (
        reply.status == Comment.Status.APPROVED
        and parent is not None
        and parent.status == Comment.Status.APPROVED
        and parent.notify_replies
        and bool(parent.email)
    )


def _reply_mail_outcome(address: str, now) -> str:
    """Whether a reply e-mail may go to `address` now; the ledger row is
    locked until the caller's transaction ends, so two workers count the
    day's e-mails one after the other."""
    ledger = MailAddress.objects.select_for_update().filter(email=address).first()
    if ledger is None or ledger.confirmed_at is None:
        return "unconfirmed"
    if ledger.suppressed_at is not None:
        return "unsubscribed"
    day_start = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    today = ReplyMail.objects.filter(
        email=address, outcome="sent", sent_at__gte=day_start
    ).count()
    if today >= current().reply_mails_per_day:
        return "daily-limit"
    return "sent"


@task
def refresh_comment_counts() -> int:
    """The listings' comment counts (comments.counts)."""
    return comment_counts_refresh()


def comment_counts_ask() -> None:
    """After a change to a thread: a recount at most once a minute (the
    scheduler's desk tick runs one every minute too)."""
    if comment_counts_due():
        refresh_comment_counts.enqueue()
