"""Newsletters readers subscribe to, with double opt-in and no account.

A subscriber is an e-mail address and the newsletters it chose, each
subscription confirmed from a link sent to that address (nothing is sent
before). What is kept is the address, the newsletters, when each was asked
for and confirmed, and where the consent came from (the form, an import):
no name, no IP address, no opens or clicks. Whether an address may be
mailed at all is the site's one ledger (comments.MailAddress: suppressed
addresses get nothing)."""

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
