from django.utils.functional import SimpleLazyObject

from .models import Comment

PENDING_DISPLAY_CAP = 1000


def _pending_label() -> str:
    # Counting stops at the cap: the queue page stays fast with huge backlogs.
    count = Comment.objects.pending().order_by()[:PENDING_DISPLAY_CAP].count()
    return f"{PENDING_DISPLAY_CAP - 1}+" if count >= PENDING_DISPLAY_CAP else str(count)


def moderation(request):
    """Pending-comment count for the admin's navigation (moderators only)."""
    user = getattr(request, "user", None)
    if not (
        request.path.startswith("/admin/")
        and user is not None
        and user.is_authenticated
        and user.has_perm("comments.can_moderate")
    ):
        return {}
    return {"pending_comment_count": SimpleLazyObject(_pending_label)}
