"""The article list as moderators see it: comment counts and legal hold
(added here so the articles app never depends on comments)."""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from articles.admin import ArticleAdmin
from articles.models import PUBLISH_PERMISSION, Article

from .. import services
from ..models import (
    MODERATE_PERMISSION,
    Comment,
    LegalHold,
)


def _comment_count(status):
    """Correlated count: evaluated only for the rows on the changelist page."""
    counts = (
        Comment.objects.filter(article=OuterRef("pk"), status=status)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


# The article list shows comment counts; the comments app adds them so the
# articles app never depends on comments.
admin.site.unregister(Article)


@admin.register(Article)
class ArticleWithCommentsAdmin(ArticleAdmin):
    list_display = [
        *ArticleAdmin.list_display,
        "approved_comments",
        "pending_comments",
        "legal_hold_column",
    ]
    actions = [*ArticleAdmin.actions, "place_legal_hold", "lift_legal_hold"]

    @admin.display(description="Hold", boolean=True, ordering="held")
    def legal_hold_column(self, obj):
        return obj.held

    def _legal_hold(self, request, queryset, hold):
        changed = sum(
            services.article_legal_hold(article=a, editor=request.user, hold=hold)
            for a in queryset
        )
        verb = "Placed a legal hold on" if hold else "Lifted the legal hold of"
        self.message_user(request, f"{verb} {changed} article(s).", messages.SUCCESS)

    @admin.action(
        description="Place a legal hold on the comments (freeze the thread)",
        permissions=["publish"],
    )
    def place_legal_hold(self, request, queryset):
        self._legal_hold(request, queryset, hold=True)

    @admin.action(description="Lift the legal hold", permissions=["publish"])
    def lift_legal_hold(self, request, queryset):
        self._legal_hold(request, queryset, hold=False)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                approved_comment_count=_comment_count(Comment.Status.APPROVED),
                pending_comment_count=_comment_count(Comment.Status.PENDING),
                held=Exists(LegalHold.objects.filter(article=OuterRef("pk"))),
            )
        )

    @admin.display(description="Approved", ordering="approved_comment_count")
    def approved_comments(self, obj):
        return obj.approved_comment_count

    @admin.display(description="Approved", ordering="approved_comment_count")
    def approved_comments_link(self, obj):
        """The count, a link to the story's comments (to pick the best)."""
        if not obj.approved_comment_count:
            return 0
        return format_html(
            '<a href="{}" title="Pick the best comments">{}</a>',
            reverse("admin:comments_comment_story", args=[obj.pk]),
            obj.approved_comment_count,
        )

    def get_list_display(self, request):
        """Editors and moderators, who pick comments, get the count as a
        link to the story's comments."""
        columns = list(super().get_list_display(request))
        user = request.user
        may_pick = user.has_perm(PUBLISH_PERMISSION) or user.has_perm(
            MODERATE_PERMISSION
        )
        if may_pick and "approved_comments" in columns:
            columns[columns.index("approved_comments")] = "approved_comments_link"
        return columns

    @admin.display(description="Pending", ordering="pending_comment_count")
    def pending_comments(self, obj):
        return obj.pending_comment_count
