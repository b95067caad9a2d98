"""Writes of newsletter subscriptions: sign-up (double opt-in), confirm,
manage, unsubscribe, import, export and erase. Views, commands and the
admin call these."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import BannedCommenter, MailAddress
from comments.services import mail_address_confirm
from infra import ratelimit

from .models import Newsletter, Subscriber, Subscription

# An address receives at most one confirmation e-mail in this time,
# however often the form is filled in with it.
CONFIRMATION_INTERVAL = timedelta(minutes=10)
# Unconfirmed sign-ups are forgotten after this (their links expire).
FORGET_UNCONFIRMED_AFTER = timedelta(days=7)

SENT = "sent"
TOO_MANY = "too many"


def _banned(email: str, ip: str | None) -> bool:
    matches = Q(email__iexact=email) & ~Q(email="")
    if ip:
        matches |= Q(ip=ip)
    return BannedCommenter.objects.filter(matches).exists()


def _suppressed(email: str) -> bool:
    return MailAddress.objects.of(email).suppressed().exists()


def newsletter_signup(
    *, email: str, newsletters, ip: str | None, replaces: str = ""
) -> str:
    """A reader asked for `newsletters` at `email` (the form, or a new
    address from the manage page, `replaces` the old one). Unless the
    address has confirmed them already, a confirmation e-mail goes to it
    (at most one per CONFIRMATION_INTERVAL); nothing else until it is
    confirmed. TOO_MANY when this client address has signed up too often
    this hour; otherwise SENT, whatever happened (the page must not tell a
    stranger whether an address is subscribed, banned or unsubscribed)."""
    if ip:
        count, _ = ratelimit.count("newsletter-signup", ip, 3600)
        if count > settings.NEWSROOM_SIGNUPS_PER_HOUR:
            return TOO_MANY
    email = email.strip().lower()
    if _banned(email, ip):
        return SENT
    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email)
        wanted = []
        for newsletter in newsletters:
            subscription, _ = Subscription.objects.get_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={"consent": "form", "asked_at": now},
            )
            if subscription.confirmed_at is None:
                wanted.append(newsletter)
        if not wanted or _suppressed(email) and not replaces:
            return SENT
        claimed = (
            Subscriber.objects.filter(pk=subscriber.pk)
            .filter(
                Q(confirm_sent_at__isnull=True)
                | Q(confirm_sent_at__lt=now - CONFIRMATION_INTERVAL)
            )
            .update(confirm_sent_at=now)
        )
        if claimed:
            from .tasks import send_confirmation

            ids = [n.pk for n in wanted]
            transaction.on_commit(
                lambda: send_confirmation.enqueue(email, ids, replaces)
            )
    return SENT


def subscriptions_confirm(*, email: str, newsletter_ids, replaces: str = "") -> list:
    """The link sent to `email` was followed and its button pressed: those
    subscriptions start (and, after an address change, the old address's
    end). The address proved it is its owner's: the ledger marks it
    confirmed, an earlier "no more e-mail" lifted (asking again is
    consent). Returns the newsletters now confirmed."""
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(email=email.lower()).first()
        if subscriber is None:
            return []
        chosen = Newsletter.objects.filter(pk__in=newsletter_ids)
        _start(subscriber, chosen, now, consent="form")
        mail_address_confirm(email=email, resubscribe=True)
        if replaces and replaces.lower() != email.lower():
            Subscriber.objects.filter(email=replaces.lower()).delete()
    return list(chosen)


def subscriptions_set(*, email: str, newsletters) -> None:
    """The manage page (its link was sent to `email`): these newsletters
    and no others. New ones start at once: only the address's owner has
    the link."""
    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email.lower())
        keep = {n.pk for n in newsletters}
        subscriber.subscriptions.exclude(newsletter_id__in=keep).delete()
        _start(subscriber, newsletters, now, consent="manage link")


def _start(subscriber, newsletters, now, *, consent: str) -> None:
    """These subscriptions confirmed now (made with `consent` if new)."""
    for newsletter in newsletters:
        Subscription.objects.update_or_create(
            subscriber=subscriber,
            newsletter=newsletter,
            defaults={"confirmed_at": now},
            create_defaults={"confirmed_at": now, "consent": consent},
        )


def unsubscribe(*, email: str, newsletter_id: int) -> bool:
    """One click: the address leaves that newsletter at once (a send in
    progress reads the subscription before each message). Returns whether
    it was subscribed."""
    deleted, _ = Subscription.objects.filter(
        subscriber__email=email.lower(), newsletter_id=newsletter_id
    ).delete()
    return bool(deleted)


def subscriber_export(*, email: str) -> dict:
    """All the newsletters keep about `email`."""
    subscriber = Subscriber.objects.filter(email=email.lower()).first()
    if subscriber is None:
        return {"email": email.lower(), "subscriptions": []}
    rows = subscriber.subscriptions.select_related("newsletter").order_by("pk")
    return {
        "email": subscriber.email,
        "since": subscriber.created_at.isoformat(),
        "subscriptions": [
            {
                "newsletter": row.newsletter.name,
                "asked_at": row.asked_at.isoformat(),
                "confirmed_at": (
                    row.confirmed_at.isoformat() if row.confirmed_at else None
                ),
                "consent": row.consent,
            }
            for row in rows
        ],
    }


def subscriber_erase(*, email: str) -> bool:
    """Forget `email` and its subscriptions."""
    deleted, _ = Subscriber.objects.filter(email=email.lower()).delete()
    return bool(deleted)


def subscribers_import(*, rows, newsletter: Newsletter, source: str) -> dict:
    """An existing list: `rows` of (email, consent date, consent source or
    ""), each address confirmed for `newsletter` with its consent recorded
    ("import: <source> (<date>)"). Banned and unsubscribed addresses are
    left out. Idempotent: a second run changes nothing."""
    counts = {"added": 0, "already": 0, "left out": 0}
    for email, when, origin in rows:
        email = email.strip().lower()
        if _banned(email, None) or _suppressed(email):
            counts["left out"] += 1
            continue
        at = when if isinstance(when, datetime) else _midnight(when)
        with transaction.atomic():
            subscriber, _ = Subscriber.objects.get_or_create(
                email=email, defaults={"created_at": at}
            )
            _, made = Subscription.objects.get_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={
                    "asked_at": at,
                    "confirmed_at": at,
                    "consent": f"import: {origin or source} ({at:%Y-%m-%d})"[:200],
                },
            )
        counts["added" if made else "already"] += 1
    return counts


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def unconfirmed_forget() -> int:
    """Sign-ups never confirmed, after FORGET_UNCONFIRMED_AFTER; then the
    addresses left with no newsletter."""
    limit = timezone.now() - FORGET_UNCONFIRMED_AFTER
    deleted, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, asked_at__lt=limit
    ).delete()
    Subscriber.objects.filter(subscriptions__isnull=True, created_at__lt=limit).delete()
    return deleted
