"""The moderation queue's decision verbs, shared by its row buttons and views."""

from ..models import Comment

DECISIONS = {
    "approve": Comment.Status.APPROVED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
}


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")
