"""Comment permissions of the roles (Moderator moderates; nobody else does)."""

from .models import MODERATE_PERMISSION

ROLES = {
    "Moderator": [
        MODERATE_PERMISSION,
        "comments.view_comment",
        "comments.change_comment",
        "comments.view_commentdecision",
        "comments.add_bannedcommenter",
        "comments.change_bannedcommenter",
        "comments.delete_bannedcommenter",
        "comments.view_bannedcommenter",
        "comments.add_moderationword",
        "comments.change_moderationword",
        "comments.delete_moderationword",
        "comments.view_moderationword",
        "comments.add_moderationreason",
        "comments.change_moderationreason",
        "comments.delete_moderationreason",
        "comments.view_moderationreason",
        "comments.view_moderationsettings",
        "comments.change_moderationsettings",
        "comments.view_mailaddress",
        "articles.view_auditentry",
    ],
}
