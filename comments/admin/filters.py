"""The moderation queue's filters and the decision history inline."""

from django.contrib import admin

from articles.models import Article

from .. import desk
from ..models import (
    CommentDecision,
    CommentReport,
)


class CommentDecisionInline(admin.TabularInline):
    model = CommentDecision
    extra = 0
    can_delete = False
    fields = ["created_at", "status", "rule", "actor"]
    readonly_fields = fields
    verbose_name_plural = "History of decisions"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReportedFilter(admin.SimpleListFilter):
    """The Reported queue: comments with open reports from readers."""

    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "Reported (open)"), ("ever", "Ever reported")]

    def queryset(self, request, queryset):
        reports = CommentReport.objects.all()
        if self.value() == "open":
            reports = reports.filter(closed_at__isnull=True)
        elif self.value() != "ever":
            return queryset
        return queryset.filter(pk__in=reports.values("comment_id"))


class RuleFilter(admin.SimpleListFilter):
    """By the rule that decided: a fixed list (asking the table for its
    distinct rules would read every comment)."""

    title = "rule"
    parameter_name = "rule"
    RULES = [
        ("default", "default (waits for a moderator)"),
        ("links", "links"),
        ("hold-word", "hold word"),
        ("block-word", "block word"),
        ("too-fast", "too fast"),
        ("form-time-unknown", "form time unknown"),
        ("surge", "surge guard"),
        ("quiet-hours", "quiet hours"),
        ("honeypot", "honeypot"),
        ("trusted", "trusted commenter"),
        ("staff-reply", "staff reply"),
        ("reports", "held by readers' reports"),
        ("wordpress-import", "WordPress import"),
    ]

    def lookups(self, request, model_admin):
        return self.RULES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(rule=self.value())
        return queryset


class ArticleFilter(admin.SimpleListFilter):
    """By article: the stories with the most comments waiting, with their
    counts (one grouped read of the pending comments), and any article by
    its id in the address (the "Article" column links there)."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request, model_admin):
        busiest = desk.busiest_stories(12)
        choices = [
            (str(row["article"]), f"{row['title']} ({row['n']})") for row in busiest
        ]
        chosen = self.value()
        if chosen and chosen not in {pk for pk, _ in choices}:
            pk = self.article_pk()
            title = Article.objects.filter(pk=pk).values_list("title", flat=True)
            choices.insert(0, (chosen, next(iter(title if pk else ()), f"#{chosen}")))
        return choices

    def article_pk(self) -> int | None:
        """The chosen article's id, None unless the value can be one."""
        value = self.value() or ""
        return (
            int(value)
            if value.isascii() and value.isdigit() and len(value) < 19
            else None
        )

    def queryset(self, request, queryset):
        if self.value():
            pk = self.article_pk()
            return queryset.filter(article_id=pk) if pk else queryset.none()
        return queryset
