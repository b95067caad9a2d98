"""Newsletters readers subscribe to, with double opt-in and no account.

A subscriber is an e-mail address and the newsletters it chose, each
subscription confirmed from a link sent to that address (nothing is sent
before). What is kept is the address, the newsletters, when each was asked
for and confirmed, and where the consent came from (the form, an import):
no name, no IP address, no opens or clicks. Whether an address may be
mailed at all is the site's one ledger (comments.MailAddress: suppressed
addresses get nothing)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Newsletter(models.Model):
    class Kind(models.TextChoices):
        BRIEFING = "briefing", "Daily briefing"
        ALERTS = "alerts", "Breaking alerts"
        SECTION = "section", "A section's stories"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    section = models.ForeignKey(
        "articles.Section", on_delete=models.PROTECT, null=True, blank=True
    )
    active = models.BooleanField(
        default=True, help_text="Offered to readers (subscribers are kept)."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Subscriber(models.Model):
    email = models.CharField(max_length=254, unique=True)  # lower case
    created_at = models.DateTimeField(default=timezone.now)
    # The last confirmation e-mail sent to it (at most one per interval).
    confirm_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.email


class Subscription(models.Model):
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Where the consent came from: "form", "import: <file> (<date>)".
    consent = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="subscription_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["newsletter"],
                condition=models.Q(confirmed_at__isnull=False),
                name="subscription_confirmed",
            )
        ]

    def __str__(self):
        return f"{self.subscriber} → {self.newsletter}"


class Send(models.Model):
    """One edition of a newsletter going out (the briefing of a morning,
    an alert): its content and, through its deliveries, who got it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        DONE = "done", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT)
    subject = models.CharField(max_length=200)
    html = models.TextField(help_text="The HTML part (tables, inline styles).")
    text = models.TextField(help_text="The plain-text part.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # A briefing or an alert: its stories in order (the editor reorders
    # them) and an intro; html and text are made from them
    # (newsletters/editions.py). Empty for an edition written by hand.
    story_ids = models.JSONField(default=list, blank=True)
    intro = models.TextField(blank=True)
    scheduled_for = models.DateTimeField(
        null=True, blank=True, help_text="Sent then by the scheduler (empty: by hand)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.newsletter}: {self.subject}"


class Delivery(models.Model):
    """One recipient of one send: made for every confirmed subscriber when
    the send starts, claimed (`sending`) before its message goes to the
    MTA and marked `sent` after, so a worker killed in between leaves a
    row the reconciliation settles by its Message-ID in the MTA's log.
    Kept DELIVERY_DAYS (newsletters/sending.py), then deleted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being handed to the MTA"
        SENT = "sent", "Sent"
        FAILED = "failed", "Refused (address suppressed)"
        SKIPPED = "skipped", "Skipped (unsubscribed meanwhile)"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    email = models.CharField(max_length=254)
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["send", "email"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["send", "status"], name="delivery_progress")]

    def __str__(self):
        return f"{self.send_id} → {self.email}"
