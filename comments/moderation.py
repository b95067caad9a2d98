"""The moderation policy: one place decides what happens to a new comment.

Rules run in order; the first that matches decides, and its name is stored on
the comment. Thresholds come from settings (see README, "Comment moderation");
block and hold words also from the admin (ModerationWord).
"""

import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import BannedCommenter, Comment, ModerationWord

FLOOD_MESSAGE = "You are posting comments too quickly. Slow down."
DUPLICATE_MESSAGE = (
    "Duplicate comment detected; it looks as though you've already said that!"
)
LINK_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)


@dataclass(frozen=True)
class Decision:
    """What the policy decided: a status to store, or a refusal."""

    rule: str
    status: str = ""
    refusal: str = ""
    http_status: int = 0

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def stored_ip(ip: str | None) -> str | None:
    """The IP as the privacy setting allows it to be kept."""
    mode = settings.COMMENTS_IP_STORAGE
    if not ip or mode == "none":
        return None
    if mode == "truncated":
        address = ipaddress.ip_address(ip)
        prefix = 24 if address.version == 4 else 48
        network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
        return str(network.network_address)
    return ip


def _words(kind: str) -> list[str]:
    from_settings = (
        settings.COMMENTS_BLOCK_WORDS
        if kind == "block"
        else settings.COMMENTS_HOLD_WORDS
    )
    from_admin = ModerationWord.objects.filter(kind=kind).values_list("word", flat=True)
    return [w.lower() for w in [*from_settings, *from_admin] if w.strip()]


def _contains_any(text: str, words: list[str]) -> bool:
    return any(word in text for word in words)


def decide(
    *,
    article,
    parent,
    name: str,
    email: str,
    body: str,
    ip: str | None,
    honeypot: str,
    form_age: float | None,
    is_moderator: bool = False,
) -> Decision:
    """Apply the policy to a comment about to be stored."""
    now = timezone.now()
    # 1. Bots: the hidden field is filled, or the form came back too fast.
    if honeypot:
        return Decision(rule="honeypot", status=Comment.Status.SPAM)
    if form_age is None or form_age < settings.COMMENTS_MIN_SUBMIT_SECONDS:
        return Decision(rule="too-fast", status=Comment.Status.SPAM)

    # 2. Banned email or IP.
    ban = Q(email__iexact=email)
    if ip:
        ban |= Q(ip=ip)
    if BannedCommenter.objects.filter(ban).exists():
        return Decision(rule="banned", status=Comment.Status.REJECTED)

    # 3. Flood and rate limits (moderators exempt).
    if not is_moderator:
        recent = Comment.objects.filter(
            created_at__gte=now - timedelta(seconds=settings.COMMENTS_FLOOD_SECONDS)
        )
        same_sender = Q(email__iexact=email)
        if ip:
            same_sender |= Q(ip=ip)
        if recent.filter(same_sender).exists():
            return Decision(rule="flood", refusal=FLOOD_MESSAGE, http_status=429)
        if ip:
            last_minute = Comment.objects.filter(
                ip=ip, created_at__gte=now - timedelta(minutes=1)
            ).count()
            if last_minute >= settings.COMMENTS_RATE_PER_MINUTE:
                return Decision(
                    rule="rate-limit", refusal=FLOOD_MESSAGE, http_status=429
                )

    # 4. Duplicate of a live comment.
    duplicate = Comment.objects.filter(
        article=article,
        parent=parent,
        email__iexact=email,
        body=body,
        status__in=[Comment.Status.PENDING, Comment.Status.APPROVED],
    )
    if duplicate.exists():
        return Decision(rule="duplicate", refusal=DUPLICATE_MESSAGE, http_status=409)

    # 5. Words and links.
    text = f"{name}\n{email}\n{body}".lower()
    if _contains_any(text, _words("block")):
        return Decision(rule="block-word", status=Comment.Status.SPAM)
    if _contains_any(text, _words("hold")):
        return Decision(rule="hold-word", status=Comment.Status.PENDING)
    if len(LINK_RE.findall(body)) >= settings.COMMENTS_HOLD_LINKS:
        return Decision(rule="links", status=Comment.Status.PENDING)

    # 6. Trusted commenters.
    if settings.COMMENTS_TRUST_APPROVED_EMAILS:
        if Comment.objects.approved().by_email(email).exists():
            return Decision(rule="trusted", status=Comment.Status.APPROVED)

    # 7. Everything else waits for a moderator.
    return Decision(rule="default", status=Comment.Status.PENDING)


def comments_closed(article) -> bool:
    """Closed by the article's switch, or N days after publication."""
    if not article.comments_open:
        return True
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days and article.published_at:
        return timezone.now() - article.published_at > timedelta(days=days)
    return False
