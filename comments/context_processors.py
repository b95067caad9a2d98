from django.utils.functional import SimpleLazyObject

from infra.context_processors import admin_user_with

from .models import MODERATE_PERMISSION, Comment

PENDING_DISPLAY_CAP = 1000


def _pending_label() -> str:
    # Counting stops at the cap: the queue page stays fast with huge backlogs.
    # Ordered like the queue so the (status, created_at) index answers it.
    pending = Comment.objects.pending().order_by("-created_at")
    count = pending[:PENDING_DISPLAY_CAP].count()
    return f"{PENDING_DISPLAY_CAP - 1}+" if count >= PENDING_DISPLAY_CAP else str(count)


def moderation(request):
    """Pending-comment count for the admin's navigation (moderators only)."""
    if not admin_user_with(request, MODERATE_PERMISSION):
        return {}
    return {"pending_comment_count": SimpleLazyObject(_pending_label)}
