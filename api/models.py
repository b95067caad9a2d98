"""The content API's keys (and, in webhooks.py's models, its hooks).

A key is issued in the admin for one integration (the mobile app, the wire
desk's ingest, a partner) with a role. It acts as its own account, made
with it: a member of the role's group that cannot sign in anywhere, so the
newsroom's rules (who may open, edit or publish what) apply to it unchanged
and the audit log names it. Only a digest of the key is kept; the key is
shown once, when it is issued."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

PREFIX_LENGTH = 10


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def matching(self, token: str):
        """The active key `token` is, or None (compared in constant time)."""
        prefix = ApiKey.prefix_of(token)
        if prefix is None:
            return None
        key = self.active().select_related("user").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.digest, ApiKey.digest_of(token)):
            return None
        return key


class ApiKey(models.Model):
    class Role(models.TextChoices):
        PARTNER = "partner", "Partner: reads what readers see"
        JOURNALIST = "journalist", "Journalist: writes its own drafts, never publishes"
        EDITOR = "editor", "Editor: reads and writes every story, publishes"

    # The group a role's account joins (articles/roles.py).
    GROUPS = {Role.JOURNALIST: "Journalist", Role.EDITOR: "Editor"}

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text="The integration using it: “Mobile app”, “AFP wire ingest”.",
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    # SHA-256 of the whole key: a key is 256 random bits, so a fast digest
    # is as safe as a password hash would be, and costs microseconds.
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_from = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def new_token() -> str:
        return f"nr_{secrets.token_hex(PREFIX_LENGTH // 2)}_{secrets.token_urlsafe(32)}"

    @staticmethod
    def prefix_of(token: str) -> str | None:
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "nr" or len(parts[1]) != PREFIX_LENGTH:
            return None
        return parts[1]

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def writes(self) -> bool:
        return self.role in self.GROUPS

    def used(self, address: str | None) -> None:
        """Note a use: at most one write a minute per key."""
        now = timezone.now()
        if self.last_used_at and (now - self.last_used_at).total_seconds() < 60:
            return
        ApiKey.objects.filter(pk=self.pk).update(
            last_used_at=now, last_used_from=address
        )
        self.last_used_at, self.last_used_from = now, address


class Webhook(models.Model):
    """An address told of the newsroom's events (api/webhooks.py)."""

    class Event(models.TextChoices):
        STORY_PUBLISHED = "story.published", "Story published"
        STORY_UPDATED = "story.updated", "Published story updated"
        STORY_UNPUBLISHED = "story.unpublished", "Story unpublished or deleted"
        STORY_CORRECTED = "story.corrected", "Correction published"
        COMMENT_APPROVED = "comment.approved", "Comment approved"

    name = models.CharField(max_length=100, help_text="Who receives it.")
    url = models.URLField(
        max_length=500,
        help_text="HTTPS address on the public internet (private, loopback and "
        "link-local addresses are refused).",
    )
    events = ArrayField(models.CharField(max_length=40, choices=Event.choices))
    # Fernet token of the signing secret (api/secrets.py); shown once.
    secret = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    # Since when every attempt failed (None: the last one succeeded).
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event for one hook: sent until the receiver answers 2xx, with
    the event's id as its idempotency key (at most one row per event and
    hook)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Cancelled"

    hook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hook", "event_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["hook", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self):
        return f"{self.event} → {self.hook}"
