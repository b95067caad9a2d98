"""The moderation queue (CommentAdmin): its list, permissions and
changelist; columns, bulk actions and single-comment views are mixins."""

import ipaddress

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from comments.preferences import current

from .. import desk, services
from ..models import (
    MODERATE_PERMISSION,
    Comment,
    ModerationReason,
    is_held,
)
from .actions import CommentActions
from .columns import CommentColumns
from .filters import ArticleFilter, CommentDecisionInline, ReportedFilter, RuleFilter
from .views import CommentViews


@admin.register(Comment)
class CommentAdmin(CommentColumns, CommentActions, CommentViews, admin.ModelAdmin):
    """The moderation queue: opens on Pending, newest first. Decisions are
    row buttons (plain POSTs) that the queue's script turns into keyboard
    decisions without a reload (static/admin/js/moderation_queue.js)."""

    # The decision buttons come first: on a long row they never fall off
    # the visible part of the table (#16).
    # Few, dense columns: at 1024 px with the sidebar open every one shows.
    list_display = [
        "row_actions",
        "excerpt_column",
        "author_column",
        "article_column",
        "state_column",
    ]
    list_display_links = ["excerpt_column"]
    list_filter = ["status", ReportedFilter, RuleFilter, ArticleFilter, "created_at"]
    search_fields = ["name", "email", "body", "article__title"]
    list_select_related = ["article", "parent"]
    list_per_page = 50
    show_full_result_count = False
    ordering = ["-created_at", "-pk"]
    actions = [
        "approve_selected",
        "reject_selected",
        "spam_selected",
        "ban_selected",
        "ban_and_spam_selected",
        "export_selected",
        "erase_selected",
    ]
    inlines = [CommentDecisionInline]
    fields = [
        "article_link",
        "parent",
        "name",
        "email",
        "body",
        "status",
        "reason",
        "rule",
        "ip",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = [
        "article_link",
        "parent",
        "rule",
        "ip",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]

    # Permissions: only moderators see the queue or act on it.

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_module_permission(self, request):
        return self.has_moderate_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.has_moderate_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_moderate_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A thread under legal hold keeps every comment.
        if obj is not None and is_held(obj.article):
            return False
        return request.user.is_superuser

    def get_queryset(self, request):
        # A story under legal hold: its held comments leave the queue.
        return (
            super()
            .get_queryset(request)
            .in_queue()
            .annotate(author_history=desk.author_history())
        )

    def get_search_results(self, request, queryset, search_term):
        """Name, email and text; and the IP address when the term is one."""
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip()
        try:
            ipaddress.ip_address(term)
        except ValueError:
            return results, may_have_duplicates
        return results | queryset.filter(ip=term), may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        # The queue opens on Pending unless the moderator chose a filter.
        if (
            not request.GET
            and request.method == "GET"
            and self.has_view_permission(request)
        ):
            return HttpResponseRedirect(f"{request.path}?status__exact=pending")
        services.send_due_mails()
        extra_context = {
            **(extra_context or {}),
            **desk.queue_summary(),
            "surges": desk.open_surges(),
            "undo_seconds": current().undo_seconds,
            "claim_minutes": settings.COMMENTS_CLAIM_SECONDS // 60,
            "desk_url": reverse("admin:comments_comment_desk"),
        }
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None and request.method == "GET":
            self._claim_page(request, cl.result_list)
        return response

    def _claim_page(self, request, rows) -> None:
        """Claim this page's pending comments for the moderator; note on each
        row whose claim it is (another moderator's rows say so)."""
        rows = list(rows)
        pending = [c.pk for c in rows if c.status == Comment.Status.PENDING]
        mine = services.comments_claim(ids=pending, moderator=request.user)
        claims = desk.live_claims([c.pk for c in rows if c.pk not in mine])
        reasons = list(ModerationReason.objects.all())  # a handful of rows
        reports = desk.open_reports([c.pk for c in rows])
        notes = desk.report_notes(list(reports)) if reports else {}
        for comment in rows:
            comment.reasons = reasons
            comment.open_reports = reports.get(comment.pk)
            comment.report_notes = notes.get(comment.pk, [])
            comment.claim_mine = comment.pk in mine
            comment.claim_other = claims.get(comment.pk)

    def save_model(self, request, obj, form, change):
        """Status changes from the edit form go through the service (history)."""
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            services.comments_moderate(
                comments=Comment.objects.filter(pk=obj.pk),
                status=new_status,
                moderator=request.user,
                reason=form.cleaned_data.get("reason"),
            )
        else:
            super().save_model(request, obj, form, change)

    # Columns.
