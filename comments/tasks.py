"""Background work for comments (Django's tasks framework)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.tasks import task
from django.urls import reverse


def moderator_emails() -> list[str]:
    """NEWSROOM_MODERATOR_EMAILS, or every active user who may moderate."""
    configured = getattr(settings, "NEWSROOM_MODERATOR_EMAILS", [])
    if configured:
        return list(configured)
    perm = Q(groups__permissions__codename="can_moderate") | Q(
        user_permissions__codename="can_moderate"
    )
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(perm | Q(is_superuser=True)).distinct()
    return sorted(users.values_list("email", flat=True))


@task
def notify_moderators(comment_id: int) -> int:
    """E-mail moderators about a new pending comment; returns mails sent."""
    from .models import Comment

    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0
    recipients = moderator_emails()
    if not recipients:
        return 0
    base = getattr(settings, "NEWSROOM_BASE_URL", "").rstrip("/")
    queue = (
        base + reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    )
    message = (
        f"A new comment on “{comment.article.title}” is waiting for moderation.\n\n"
        f"Author: {comment.name} <{comment.email}>\n"
        f"Rule: {comment.rule}\n\n"
        f"{comment.body[:2000]}\n\n"
        f"Moderation queue: {queue}\n"
    )
    send_mail(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] Comment awaiting moderation",
        message=message,
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)
