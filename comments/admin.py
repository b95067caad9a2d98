import ipaddress

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from articles.admin import ArticleAdmin
from articles.models import Article, person_name

from . import desk, services
from .models import (
    BannedCommenter,
    Comment,
    CommentDecision,
    ModerationReason,
    ModerationWord,
)

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
        ("surge", "surge guard"),
        ("quiet-hours", "quiet hours"),
        ("honeypot", "honeypot"),
        ("trusted", "trusted commenter"),
        ("staff-reply", "staff reply"),
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


DECISIONS = {
    "approve": Comment.Status.APPROVED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
}


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
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
    list_filter = ["status", RuleFilter, ArticleFilter, "created_at"]
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
        # A thread under legal hold keeps every comment.
        if obj is not None and obj.article.legal_hold:
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
        services.send_due_decision_mails()
        extra_context = {
            **(extra_context or {}),
            **desk.queue_summary(),
            "surges": desk.open_surges(),
            "undo_seconds": settings.COMMENTS_UNDO_SECONDS,
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
        for comment in rows:
            comment.reasons = reasons
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

    @admin.display(description="Article")
    def article_link(self, obj):
        """The story as readers see it (a moderator may not edit articles)."""
        article = obj.article
        if article.pub_date:
            return format_html(
                '<a href="{}" target="_blank">{}</a>',
                article.get_absolute_url(),
                article.title,
            )
        return article.title

    @admin.display(description="Comment")
    def excerpt_column(self, obj):
        """The text (the start of a long one), and what it answers."""
        text = Truncator(obj.body).chars(280)
        if not obj.parent_id:
            return text
        return format_html(
            '{}<br><small class="nr-parent">In reply to: {}</small>',
            text,
            obj.parent.excerpt,
        )

    @admin.display(description="Author", ordering="name")
    def author_column(self, obj):
        history = obj.author_history or {}
        panel = reverse("admin:comments_comment_history", args=[obj.pk])
        return format_html(
            '{}<br><small>{}</small><br><a class="nr-history" href="{}" '
            'title="Their comments: approved, rejected, spam">'
            '<span class="nr-ok">{} ✓</span> <span class="nr-no">{} ✗</span> '
            '<span class="nr-spam">{} spam</span></a>',
            obj.name,
            obj.email,
            panel,
            history.get("approved", 0),
            history.get("rejected", 0),
            history.get("spam", 0),
        )

    @admin.display(description="Article", ordering="article__title")
    def article_column(self, obj):
        queue = reverse("admin:comments_comment_changelist")
        return format_html(
            '<a href="{}" target="_blank" title="{}">{}</a><br>'
            '<small><a href="{}?status__exact=pending&amp;article={}">'
            "pending on this story</a></small>",
            obj.article.get_absolute_url() if obj.article.pub_date else "#",
            obj.article.title,
            Truncator(obj.article.title).chars(60),
            queue,
            obj.article_id,
        )

    @admin.display(description="State", ordering="created_at")
    def state_column(self, obj):
        """Status, the rule that held it, its age, and whose claim it is."""
        age = timesince(obj.created_at, timezone.now()).split(",")[0]
        return format_html(
            "{}<br><small>rule: {}<br>{} ago</small><br>{}",
            obj.get_status_display(),
            obj.rule or "—",
            age,
            self._claim(obj),
        )

    def _claim(self, obj):
        other = getattr(obj, "claim_other", None)
        if other is not None and other.moderator_id:
            return format_html(
                '<span class="nr-claimed" data-claimed-by="{}">Claimed by {} '
                "(until {})</span>",
                person_name(other.moderator),
                person_name(other.moderator),
                timezone.localtime(other.until).strftime("%H:%M"),
            )
        if getattr(obj, "claim_mine", False):
            return format_html('<span class="nr-mine">{}</span>', "Yours")
        return ""

    @admin.display(description="Moderate")
    def row_actions(self, obj):
        buttons = []
        for verb, label, key in (
            ("approve", "Approve", "a"),
            ("reject", "Reject", "r"),
            ("spam", "Spam", "s"),
        ):
            if obj.status != DECISIONS[verb]:
                buttons.append(
                    format_html(
                        '<button type="submit" class="button nr-{}" '
                        'formmethod="post" formaction="{}" data-key="{}" '
                        'title="{} ({})">{}</button>',
                        verb,
                        reverse("admin:comments_comment_decide", args=[obj.pk, verb]),
                        key,
                        label,
                        key,
                        label,
                    )
                )
        reasons = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((r.pk, r.label) for r in getattr(obj, "reasons", ())),
        )
        extra = format_html(
            '<select name="reason-{}" class="nr-reason" aria-label="Reason for '
            'rejecting"><option value="">(no reason)</option>{}</select>'
            ' <a class="button nr-ban" data-key="b" title="Ban (b)" '
            'href="{}">Ban</a> <a class="button nr-reply" href="{}">Reply</a>',
            obj.pk,
            reasons,
            reverse("admin:comments_comment_ban", args=[obj.pk]),
            reverse("admin:comments_comment_reply", args=[obj.pk]),
        )
        return format_html(
            '<div class="nr-actions" data-pk="{}" data-undo="{}" data-ban="{}">'
            "{} {}</div>",
            obj.pk,
            reverse("admin:comments_comment_undo", args=[obj.pk]),
            reverse("admin:comments_comment_ban", args=[obj.pk]),
            format_html_join(" ", "{}", ((b,) for b in buttons)),
            extra,
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

    # The desk's own pages: one-click decisions, undo, ban, reply, history,
    # the dashboard.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("desk/", view(self.desk_view), name="comments_comment_desk"),
            path(
                "<int:pk>/decide/<str:verb>/",
                view(require_POST(self.decide_view)),
                name="comments_comment_decide",
            ),
            path(
                "<int:pk>/undo/",
                view(require_POST(self.undo_view)),
                name="comments_comment_undo",
            ),
            path("<int:pk>/ban/", view(self.ban_view), name="comments_comment_ban"),
            path(
                "<int:pk>/reply/", view(self.reply_view), name="comments_comment_reply"
            ),
            path(
                "<int:pk>/history/",
                view(self.history_view),
                name="comments_comment_history",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _came_from(request) -> str:
        return request.POST.get("next") or request.META.get("HTTP_REFERER", "")

    def _back(self, request) -> HttpResponseRedirect:
        """Back to the queue the moderator came from, filters and all."""
        back = self._came_from(request)
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = reverse("admin:comments_comment_changelist")
        return HttpResponseRedirect(back)

    def _answer(self, request, ok: bool, message: str, **extra):
        """What a queue action answers: JSON for the queue's script, else
        the message on the queue the moderator came from."""
        if wants_json(request):
            return JsonResponse({"ok": ok, "message": message, **extra})
        self.message_user(
            request, message, messages.SUCCESS if ok else messages.WARNING
        )
        return self._back(request)

    def _moderator_only(self, request):
        if not self.has_moderate_permission(request):
            raise PermissionDenied

    def decide_view(self, request, pk, verb):
        self._moderator_only(request)
        if verb not in DECISIONS:
            raise Http404("No such decision")
        comment = get_object_or_404(Comment, pk=pk)
        status = DECISIONS[verb]
        reason_id = request.POST.get(f"reason-{pk}") or request.POST.get("reason")
        reason = (
            ModerationReason.objects.filter(pk=reason_id).first()
            if reason_id and reason_id.isdigit()
            else None
        )
        changed = services.comments_moderate(
            comments=Comment.objects.filter(pk=pk),
            status=status,
            moderator=request.user,
            reason=reason,
        )
        label = Comment.Status(status).label.lower()
        if changed:
            message = f"Comment by {comment.name} marked {label}."
        elif comment.article.legal_hold:
            message = "This story's thread is under legal hold: nothing changed."
        else:
            message = f"Comment by {comment.name} was not changed."
        return self._answer(
            request,
            bool(changed),
            message,
            status=status,
            undo=reverse("admin:comments_comment_undo", args=[pk]),
            undo_seconds=settings.COMMENTS_UNDO_SECONDS,
        )

    def undo_view(self, request, pk):
        self._moderator_only(request)
        comment = services.comment_decision_undo(comment_id=pk, moderator=request.user)
        if comment is None:
            message = (
                "Too late to undo (or someone else decided since): open the "
                "comment to change it."
            )
        else:
            message = (
                f"Undone: the comment is {comment.get_status_display().lower()} again."
            )
        return self._answer(request, comment is not None, message)

    def ban_view(self, request, pk):
        """Ban a comment's author by email and/or IP: a form, or at once from
        the queue's keyboard (JSON: email and IP, their pending as spam)."""
        self._moderator_only(request)
        comment = get_object_or_404(Comment, pk=pk)
        if request.method == "POST" and wants_json(request):
            ban = services.commenter_ban(
                comment=comment,
                moderator=request.user,
                spam_pending=True,
                reason=f"Comment #{comment.pk}",
            )
            return JsonResponse(
                {
                    "ok": ban is not None,
                    "message": f"Banned {ban}; their pending comments are spam."
                    if ban
                    else "Nothing to ban: no e-mail or IP address.",
                }
            )
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
                return self._back(request)
        title = f"Ban the author of comment #{comment.pk}"
        return self._form_page(request, "ban", comment, form, title)

    def _form_page(self, request, name, comment, form, title):
        """A small form page about one comment (ban, reply) that returns to
        the queue the moderator came from."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "comment": comment,
            "form": form,
            "next": self._came_from(request),
            "title": title,
            "step": name.capitalize(),
        }
        return TemplateResponse(request, f"admin/comments/comment/{name}.html", context)

    def reply_view(self, request, pk):
        """A staff reply, published at once under the moderator's name."""
        self._moderator_only(request)
        comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        form = ReplyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                reply = services.comment_staff_reply(
                    parent=comment,
                    moderator=request.user,
                    body=form.cleaned_data["body"],
                )
            except services.ParentNotAllowed:
                form.add_error(
                    None,
                    "This comment cannot be approved (it repeats another, or the "
                    "story is under legal hold), so it cannot be replied to.",
                )
            else:
                return self._answer(request, True, f"Reply published as {reply.name}.")
        if wants_json(request):
            return JsonResponse(
                {
                    "ok": False,
                    "message": " ".join(form.errors.get("__all__", []))
                    or "Write the reply first.",
                },
                status=400,
            )
        title = f"Reply to {comment.name}"
        return self._form_page(request, "reply", comment, form, title)

    def history_view(self, request, pk=None, object_id=None, extra_context=None):
        """The commenter's history (their latest comments and decisions):
        the queue's side panel, or a page of its own without JavaScript.
        (The admin's own history address, `object_id`, comes here too.)"""
        self._moderator_only(request)
        pk = pk if pk is not None else object_id
        if not str(pk).isdigit():
            raise Http404("No such comment")
        comment = get_object_or_404(Comment, pk=pk)
        theirs = Comment.objects.select_related("article").order_by("-created_at")
        if comment.email:
            theirs = theirs.by_email(comment.email)
        else:
            theirs = theirs.filter(pk=comment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "comment": comment,
            "history": theirs[:30],
            "counts": theirs.order_by().aggregate(
                **Comment.objects.status_counts(*desk.HISTORY, Comment.Status.PENDING)
            ),
            "bans": BannedCommenter.objects.filter(
                Q(email__iexact=comment.email) if comment.email else Q(pk__in=[])
            ),
            "title": f"History of {comment.name}",
            "panel": request.GET.get("panel") == "1",
        }
        return TemplateResponse(request, "admin/comments/comment/history.html", context)

    def desk_view(self, request):
        """The moderation dashboard."""
        self._moderator_only(request)
        services.surges_lift_quiet()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Moderation desk",
            **desk.dashboard(),
        }
        return TemplateResponse(request, "admin/comments/comment/desk.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not object_id.isdigit():  # no such comment: the admin says so
            return super().change_view(request, object_id, form_url, extra_context)
        extra_context = {
            **(extra_context or {}),
            "ban_url": reverse("admin:comments_comment_ban", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply", widget=forms.Textarea(attrs={"rows": 4}), max_length=65525
    )


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


@admin.register(ModerationReason)
class ModerationReasonAdmin(ModeratorOnlyAdmin):
    list_display = ["label", "code", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"code": ["label"]}


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
    list_display = [
        *ArticleAdmin.list_display,
        "approved_comments",
        "pending_comments",
        "legal_hold_column",
    ]
    actions = [*ArticleAdmin.actions, "place_legal_hold", "lift_legal_hold"]

    @admin.display(description="Legal hold", boolean=True, ordering="legal_hold")
    def legal_hold_column(self, obj):
        return obj.legal_hold

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
            )
        )

    @admin.display(description="Approved", ordering="approved_comment_count")
    def approved_comments(self, obj):
        return obj.approved_comment_count

    @admin.display(description="Pending", ordering="pending_comment_count")
    def pending_comments(self, obj):
        return obj.pending_comment_count
