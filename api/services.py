"""Writes of the API's own objects: keys (issued, given a role, revoked)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from articles import audit

from . import secrets, webhooks
from .models import ApiKey, Webhook, WebhookDelivery


def _set_groups(key: ApiKey) -> None:
    group = ApiKey.GROUPS.get(key.role)
    key.user.groups.set(Group.objects.filter(name=group) if group else [])


def api_key_issue(*, name: str, role: str, by) -> tuple[ApiKey, str]:
    """A new key for the integration `name`, and the key itself: shown
    once, never stored (only its digest is)."""
    token = ApiKey.new_token()
    prefix = ApiKey.prefix_of(token)
    with transaction.atomic():
        user = get_user_model()(
            username=f"api-{prefix}",
            first_name=name[:150],
            last_name="(API key)",
            is_staff=False,
            is_active=True,
        )
        user.set_unusable_password()  # it signs in nowhere but the API
        user.save()
        key = ApiKey.objects.create(
            name=name,
            role=role,
            user=user,
            prefix=prefix,
            digest=ApiKey.digest_of(token),
            created_by=by,
        )
        _set_groups(key)
        audit.record(by, "issue API key", key, role=role)
    return key, token


def api_key_change(*, key: ApiKey, by) -> None:
    """After the admin saved a new name or role: the account follows."""
    with transaction.atomic():
        key.save()
        key.user.first_name = key.name[:150]
        key.user.save(update_fields=["first_name"])
        _set_groups(key)
        audit.record(by, "change API key", key, role=key.role)


def api_key_revoke(*, key: ApiKey, by) -> None:
    """The key stops working at once; its stories and log entries stay."""
    if key.revoked_at is not None:
        return
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        key.user.groups.clear()
        audit.record(by, "revoke API key", key)


def webhook_register(*, name: str, url: str, events: list[str], by) -> tuple:
    """A new hook, and its signing secret: shown once, stored encrypted.
    Raises webhooks.Blocked for an address it may not target."""
    webhooks.resolve(url)
    secret = webhooks.new_secret()
    with transaction.atomic():
        hook = Webhook.objects.create(
            name=name,
            url=url,
            events=events,
            secret=secrets.encrypt(secret),
            created_by=by,
        )
        audit.record(by, "register webhook", hook, url=url, events=events)
    return hook, secret


def webhook_rotate_secret(*, hook, by) -> str:
    """A new secret for `hook` (the old one stops signing at once)."""
    secret = webhooks.new_secret()
    with transaction.atomic():
        hook.secret = secrets.encrypt(secret)
        hook.save(update_fields=["secret"])
        audit.record(by, "rotate webhook secret", hook)
    return secret


def webhook_enable(*, hook, by) -> None:
    """Back on after it was disabled: its waiting deliveries go now."""
    with transaction.atomic():
        hook.active, hook.disabled_reason = True, ""
        hook.failing_since, hook.failures = None, 0
        hook.save()
        WebhookDelivery.objects.filter(
            hook=hook, status=WebhookDelivery.Status.PENDING
        ).update(due_at=timezone.now())
        audit.record(by, "enable webhook", hook)
    transaction.on_commit(_send_soon)


def webhook_deliveries_retry(*, deliveries, by) -> int:
    """Send these deliveries again (same event id: a receiver that had it
    already knows it), now."""
    count = deliveries.exclude(status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.PENDING, due_at=timezone.now()
    )
    transaction.on_commit(_send_soon)
    return count


def _send_soon():
    webhooks.deliver_webhooks.enqueue()
