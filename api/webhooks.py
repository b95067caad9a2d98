"""Webhooks: the newsroom's events (infra/events.py) told to the addresses
editors register in the admin.

- **Recorded with the change.** An event becomes one delivery row per hook
  listening to it, in the transaction of the change itself: a change that
  rolls back tells no one, a committed one is never forgotten. A worker is
  asked to send it once the transaction commits (`deliver_webhooks`); a story
  scheduled for later is sent when it goes live, if it still does.
- **Signed** as Standard Webhooks (standardwebhooks.com) has it: headers
  `webhook-id` (the event's id: the receiver's idempotency key, the same on
  every retry), `webhook-timestamp` (seconds) and `webhook-signature`
  (`v1,` and the base64 HMAC-SHA256, keyed with the hook's secret, of
  `id.timestamp.body`): a receiver checks it and refuses old timestamps
  (replays). The secret is shown once and stored encrypted (api/secrets.py).
- **Retried** with growing waits (30 s up to an hour) for three days; once
  a hook answers again, its waiting deliveries are sent at once. A hook
  failing for a day (and at least ten times in a row) is disabled.
- **Only public addresses.** A hook's address must resolve to public
  addresses only: loopback, private, link-local, shared and reserved ones
  (the edge's purge port, the object store, Redis, a cloud's metadata
  service) are refused when it is saved and again at each send, and the
  connection goes to the address that was checked (no DNS rebinding).
  NEWSROOM_WEBHOOK_ALLOWED_HOSTS names exceptions. Redirects are not
  followed."""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets as random
import socket
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from infra.events import newsroom_event
from infra.siteurl import site_url

from . import secrets
from .models import Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds for the receiver to answer
GIVE_UP_AFTER = timedelta(days=3)
DISABLE_AFTER = timedelta(days=1)
DISABLE_AFTER_FAILURES = 10
WAITS = [30, 60, 120, 300, 600, 1200, 1800, 3600]  # seconds, then hourly
BODY_KEPT = 300


class Blocked(ValueError):
    """An address a hook may not target."""


# -- addresses --------------------------------------------------------------


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[str, int, str]:
    """(host, port, address to connect to) for `url`; Blocked when it is
    not http(s), cannot be resolved or resolves to a non-public address
    (every address the name has must be public, unless the host is in
    NEWSROOM_WEBHOOK_ALLOWED_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Blocked("Only http and https addresses.")
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Blocked("The port is not a number.") from None
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Blocked(f"{host} cannot be resolved.") from None
    addresses = [entry[4][0] for entry in found]
    if host not in settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS:
        private = [a for a in addresses if not _public(a)]
        if private:
            raise Blocked(
                f"{host} resolves to {private[0]}, a loopback, private or "
                "link-local address: hooks go to the public internet only."
            )
    return host, port, addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to the address that was checked, whatever the name
    resolves to by the time it connects."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POST `body` to `url` (checked, pinned); (status, start of answer)."""
    host, port, address = resolve(url)
    parts = urlsplit(url)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address, TIMEOUT)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(4096).decode("utf-8", "replace")
        return response.status, answer
    finally:
        connection.close()


# -- secrets and signatures -------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random.token_bytes(24)).decode()


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (and the tests): the signature matches and the
    timestamp is recent (a replayed request is refused)."""
    try:
        timestamp = int(headers["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = signature(secret, headers.get("webhook-id", ""), timestamp, body)
    given = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, value) for value in given)


# -- events into deliveries -------------------------------------------------


def _hooks_for(event_type: str) -> list[int]:
    """The active hooks of `event_type` (one query on a small table; hooks
    are switched off, never deleted, so a delivery's hook always exists)."""
    return list(
        Webhook.objects.filter(active=True, events__contains=[event_type])
        .order_by()
        .values_list("pk", flat=True)
    )


def _api_url(name: str, *args) -> str:
    return site_url(reverse(f"api-v1:{name}", args=args))


def _story_data(pk: int) -> dict:
    article = Article.objects.filter(pk=pk).select_related("section").first()
    if article is None:
        return {"id": pk}
    return {
        "id": pk,
        "title": article.title,
        "url": site_url(article.get_absolute_url()),
        "api_url": _api_url("story", pk),
        "section": article.section.slug if article.section_id else None,
        "language": article.language,
        "published_at": (
            article.published_at.isoformat() if article.published_at else None
        ),
        "updated_at": article.updated_at.isoformat() if article.updated_at else None,
    }


def _comment_data(pk: int) -> dict:
    row = (
        Comment.objects.filter(pk=pk)
        .values("pk", "article_id", "parent_id", "name", "body", "created_at")
        .first()
    )
    if row is None:
        return {"id": pk}
    return {
        "id": pk,
        "story_id": row["article_id"],
        "parent_id": row["parent_id"],
        "name": row["name"],
        "body": row["body"],
        "created_at": row["created_at"].isoformat(),
        "api_url": _api_url("story_comments", row["article_id"]),
    }


@receiver(newsroom_event)
def record(sender, ids, at=None, extra=None, **kwargs):
    """The event `sender` on `ids`: a delivery per listening hook, in the
    change's transaction; a worker sends them after the commit."""
    hooks = _hooks_for(sender)
    if not hooks:
        return
    now = timezone.now()
    due = at if at is not None and at > now else now
    rows = []
    for pk in ids:
        data = _comment_data(pk) if sender.startswith("comment.") else _story_data(pk)
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "type": sender,
            "created_at": now.isoformat(),
            "data": {**data, **(extra or {})},
        }
        rows += [
            WebhookDelivery(
                hook_id=hook,
                event_id=event_id,
                event=sender,
                payload=payload,
                created_at=now,
                due_at=due,
            )
            for hook in hooks
        ]
    WebhookDelivery.objects.bulk_create(rows)
    if due > now:
        if deliver_webhooks.get_backend().supports_defer:
            transaction.on_commit(
                lambda: deliver_webhooks.using(run_after=due).enqueue()
            )
        return  # otherwise the schedule's run after `due` sends it
    transaction.on_commit(deliver_webhooks.enqueue)


# -- sending ----------------------------------------------------------------


def _still_true(delivery: WebhookDelivery) -> bool:
    """A story announced for later is told only if it went live then."""
    if delivery.event != "story.published":
        return True
    data = delivery.payload["data"]
    return (
        Article.objects.published()
        .filter(pk=data["id"], published_at=data.get("published_at"))
        .exists()
    )


def wait_after(attempts: int) -> timedelta:
    return timedelta(seconds=WAITS[min(attempts, len(WAITS)) - 1])


def attempt(delivery: WebhookDelivery) -> bool:
    """Send `delivery` once (its row locked by the caller); True if the
    receiver took it."""
    hook = delivery.hook
    now = timezone.now()
    if not _still_true(delivery):
        delivery.status = WebhookDelivery.Status.CANCELLED
        delivery.last_error = "The story did not go live at the announced time."
        delivery.save(update_fields=["status", "last_error"])
        return False
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    event_id = str(delivery.event_id)
    stamp = int(time.time())
    started = time.monotonic()
    status, error = None, ""
    try:
        secret = secrets.decrypt(hook.secret)
        status, answer = post(
            hook.url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "Newsroom-Webhooks/1",
                "webhook-id": event_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature(secret, event_id, stamp, body),
                "Idempotency-Key": event_id,
            },
        )
        if not 200 <= status < 300:
            error = f"HTTP {status}: {' '.join(answer.split())}"
    except secrets.Unreadable:
        error = "The secret cannot be read with this server's keys: rotate it."
    except Blocked as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}" or "connection failed"
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error[:BODY_KEPT]
    delivery.last_duration_ms = round((time.monotonic() - started) * 1000)
    if not error:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.save()
        _succeeded(hook, now)
        return True
    if now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.due_at = now + wait_after(delivery.attempts)
    delivery.save()
    _failed(hook, now, error)
    return False


def _succeeded(hook: Webhook, now) -> None:
    if hook.failing_since is None:
        return
    # The receiver is back: what waited for it goes now, not at its retry.
    WebhookDelivery.objects.filter(
        hook=hook,
        status=WebhookDelivery.Status.PENDING,
        attempts__gt=0,
        due_at__gt=now,
    ).update(due_at=now)
    Webhook.objects.filter(pk=hook.pk).update(failing_since=None, failures=0)


def _failed(hook: Webhook, now, error: str) -> None:
    since = hook.failing_since or now
    failures = hook.failures + 1
    disable = failures >= DISABLE_AFTER_FAILURES and now - since >= DISABLE_AFTER
    changes = {"failing_since": since, "failures": failures}
    if disable:
        changes.update(
            active=False,
            disabled_reason=(
                f"Disabled {now:%Y-%m-%d %H:%M} UTC after {failures} failures "
                f"in a row since {since:%Y-%m-%d %H:%M}: {error}"
            )[:300],
        )
        logger.warning("Webhook %s disabled: %s", hook.pk, error)
    Webhook.objects.filter(pk=hook.pk).update(**changes)
    hook.failing_since, hook.failures = since, failures


def deliver_due(*, limit: int = 1000) -> int:
    """Send the deliveries that are due, one row locked at a time (other
    workers skip it and take the next): a delivery is never sent by two
    workers at once. Returns how many were tried."""
    tried = 0
    while tried < limit:
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(
                    skip_locked=True, of=("self",)
                )
                .select_related("hook")
                .filter(
                    status=WebhookDelivery.Status.PENDING,
                    due_at__lte=timezone.now(),
                    hook__active=True,
                )
                .order_by("due_at", "pk")
                .first()
            )
            if delivery is None:
                break
            attempt(delivery)
        tried += 1
    return tried


@task
def deliver_webhooks() -> int:
    """The workers' job: send what is due. Safe to run twice and in several
    workers at once (deliver_due)."""
    return deliver_due()


KEEP_DELIVERIES = timedelta(days=30)


def forget_old() -> int:
    """Delivery rows older than KEEP_DELIVERIES, except those still waiting
    for an active hook."""
    old = WebhookDelivery.objects.filter(
        created_at__lt=timezone.now() - KEEP_DELIVERIES
    ).exclude(status=WebhookDelivery.Status.PENDING, hook__active=True)
    return old.delete()[0]
