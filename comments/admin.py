import ipaddress

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from articles.admin import ArticleAdmin
from articles.models import Article

from . import services
from .models import BannedCommenter, Comment, CommentDecision, ModerationWord

MODERATE = "comments.can_moderate"


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
        ("honeypot", "honeypot"),
        ("trusted", "trusted commenter"),
        ("wordpress-import", "WordPress import"),
    ]

    def lookups(self, request, model_admin):
        return self.RULES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(rule=self.value())
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: opens on Pending, newest first."""

    # The decision buttons come first: on a long row they never fall off
    # the visible part of the table (#16).
    list_display = [
        "row_actions",
        "excerpt_column",
        "author_column",
        "article_column",
        "parent_column",
        "status",
        "age_column",
        "rule",
    ]
    list_display_links = ["excerpt_column"]
    # No per-article filter list: building it reads every comment. Search by
    # article title instead (the article column links to the page). Rules
    # are few.
    list_filter = ["status", RuleFilter, "created_at"]
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
        "article",
        "parent",
        "name",
        "email",
        "body",
        "status",
        "rule",
        "ip",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = [
        "article",
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
        return request.user.has_perm(MODERATE)

    def has_module_permission(self, request):
        return self.has_moderate_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.has_moderate_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_moderate_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

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
        return super().changelist_view(request, extra_context)

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
            )
        else:
            super().save_model(request, obj, form, change)

    # Columns.

    @admin.display(description="Comment")
    def excerpt_column(self, obj):
        return obj.excerpt

    @admin.display(description="Author", ordering="name")
    def author_column(self, obj):
        return format_html("{}<br><small>{}</small>", obj.name, obj.email)

    @admin.display(description="Article", ordering="article__title")
    def article_column(self, obj):
        return format_html(
            '<a href="{}" target="_blank">{}</a>',
            obj.article.get_absolute_url() if obj.article.pub_date else "#",
            obj.article.title,
        )

    @admin.display(description="In reply to")
    def parent_column(self, obj):
        return obj.parent.excerpt if obj.parent_id else ""

    @admin.display(description="Age", ordering="created_at")
    def age_column(self, obj):
        return timesince(obj.created_at, timezone.now()).split(",")[0]

    @admin.display(description="Moderate")
    def row_actions(self, obj):
        buttons = []
        if obj.status != Comment.Status.APPROVED:
            buttons.append(("approve", "Approve"))
        if obj.status != Comment.Status.SPAM:
            buttons.append(("spam", "Spam"))
        return format_html_join(
            " ",
            '<button type="submit" class="button" formmethod="post" '
            'formaction="{}">{}</button>',
            (
                (reverse(f"admin:comments_comment_{verb}", args=[obj.pk]), label)
                for verb, label in buttons
            ),
        )

    # Bulk actions.

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

    # One-click row buttons.

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.one_click_view),
                {"status": Comment.Status.APPROVED},
                name="comments_comment_approve",
            ),
            path(
                "<int:pk>/spam/",
                self.admin_site.admin_view(self.one_click_view),
                {"status": Comment.Status.SPAM},
                name="comments_comment_spam",
            ),
            path(
                "<int:pk>/ban/",
                self.admin_site.admin_view(self.ban_view),
                name="comments_comment_ban",
            ),
            *super().get_urls(),
        ]

    def one_click_view(self, request, pk, status):
        if request.method != "POST" or not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=pk)
        services.comments_moderate(
            comments=Comment.objects.filter(pk=pk),
            status=status,
            moderator=request.user,
        )
        self.message_user(
            request,
            f"Comment by {comment.name} marked {Comment.Status(status).label.lower()}.",
            messages.SUCCESS,
        )
        back = request.META.get("HTTP_REFERER") or reverse(
            "admin:comments_comment_changelist"
        )
        return HttpResponseRedirect(back)

    def ban_view(self, request, pk):
        """Ban a comment's author by email and/or IP (form, then POST)."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=pk)
        form = BanForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            ban = services.commenter_ban(
                comment=comment,
                moderator=request.user,
                by_email=form.cleaned_data["by_email"],
                by_ip=form.cleaned_data["by_ip"],
                spam_pending=form.cleaned_data["spam_pending"],
                reason=form.cleaned_data["reason"],
            )
            if ban is None:
                form.add_error(None, "Choose the email, the IP address or both.")
            else:
                self.message_user(request, f"Banned {ban}.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:comments_comment_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "comment": comment,
            "form": form,
            "title": f"Ban the author of comment #{comment.pk}",
        }
        return TemplateResponse(request, "admin/comments/comment/ban.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "ban_url": reverse("admin:comments_comment_ban", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)


class BanForm(forms.Form):
    by_email = forms.BooleanField(
        label="Ban this email address", required=False, initial=True
    )
    by_ip = forms.BooleanField(
        label="Ban this IP address", required=False, initial=True
    )
    spam_pending = forms.BooleanField(
        label="Mark all their pending comments as spam", required=False
    )
    reason = forms.CharField(max_length=200, required=False)


class ModeratorOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm(MODERATE)


@admin.register(BannedCommenter)
class BannedCommenterAdmin(ModeratorOnlyAdmin):
    list_display = ["email", "ip", "reason", "created_at", "created_by"]
    search_fields = ["email", "reason"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ModerationWord)
class ModerationWordAdmin(ModeratorOnlyAdmin):
    list_display = ["word", "kind"]
    list_filter = ["kind"]
    search_fields = ["word"]


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
    list_display = [*ArticleAdmin.list_display, "approved_comments", "pending_comments"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                approved_comment_count=_comment_count(Comment.Status.APPROVED),
                pending_comment_count=_comment_count(Comment.Status.PENDING),
            )
        )

    @admin.display(description="Approved", ordering="approved_comment_count")
    def approved_comments(self, obj):
        return obj.approved_comment_count

    @admin.display(description="Pending", ordering="pending_comment_count")
    def pending_comments(self, obj):
        return obj.pending_comment_count
