"""The moderation queue's bulk actions (select rows, pick an action)."""

from django.contrib import admin, messages
from django.http import HttpResponse

from .. import services
from ..models import (
    Comment,
)


class CommentActions:
    """Bulk actions of CommentAdmin."""

    def _moderate(self, request, queryset, status, verb):
        count = services.comments_moderate(
            comments=queryset, status=status, moderator=request.user
        )
        self.message_user(request, f"{verb} {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, "Approved")

    @admin.action(description="Reject selected comments", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REJECTED, "Rejected")

    @admin.action(
        description="Mark selected comments as spam", permissions=["moderate"]
    )
    def spam_selected(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, "Marked as spam")

    def _ban(self, request, queryset, spam_pending):
        bans = 0
        for comment in queryset:
            if services.commenter_ban(
                comment=comment,
                moderator=request.user,
                spam_pending=spam_pending,
                reason=f"Comment #{comment.pk}",
            ):
                bans += 1
        self.message_user(request, f"Banned {bans} commenter(s).", messages.SUCCESS)

    @admin.action(
        description="Ban the authors (email and IP)", permissions=["moderate"]
    )
    def ban_selected(self, request, queryset):
        self._ban(request, queryset, spam_pending=False)

    @admin.action(
        description="Ban the authors and mark all their pending comments as spam",
        permissions=["moderate"],
    )
    def ban_and_spam_selected(self, request, queryset):
        self._ban(request, queryset, spam_pending=True)

    @admin.action(
        description="Export all data of the selected authors (JSON)",
        permissions=["moderate"],
    )
    def export_selected(self, request, queryset):
        emails = sorted({c.email for c in queryset if c.email})
        payload = (
            "["
            + ",\n".join(
                services.commenter_export_json(email=email) for email in emails
            )
            + "]"
        )
        response = HttpResponse(payload, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
        return response

    @admin.action(
        description="Erase the selected authors' personal data (keep text)",
        permissions=["moderate"],
    )
    def erase_selected(self, request, queryset):
        emails = {c.email for c in queryset if c.email}
        count = sum(services.commenter_erase(email=email) for email in emails)
        self.message_user(request, f"Anonymized {count} comment(s).", messages.SUCCESS)

    # The desk's own pages: one-click decisions, undo, ban, reply, history,
    # the dashboard.
