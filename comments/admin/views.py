"""Single-comment views of the moderation queue: decide, undo, ban, reply,
history, and the desk."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from articles.models import PUBLISH_PERMISSION, Article
from comments.preferences import current

from .. import desk, services
from ..models import (
    BannedCommenter,
    Comment,
    CommentReport,
    ModerationReason,
    is_held,
)
from .decisions import DECISIONS, wants_json


class CommentViews:
    """Single-comment views of CommentAdmin, under its URLs."""

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
                "<int:pk>/pick/",
                view(require_POST(self.pick_view)),
                name="comments_comment_pick",
            ),
            path(
                "story/<int:article_pk>/",
                view(self.story_view),
                name="comments_comment_story",
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
        # Approving a published comment that readers reported keeps it.
        keeping = (
            comment.status == status == Comment.Status.APPROVED
            and comment.reports.filter(closed_at__isnull=True).exists()
        )
        changed = services.comments_moderate(
            comments=Comment.objects.filter(pk=pk),
            status=status,
            moderator=request.user,
            reason=reason,
        )
        label = Comment.Status(status).label.lower()
        if keeping:
            changed = 1
            message = f"Comment by {comment.name} kept: its reports are closed."
        elif changed:
            message = f"Comment by {comment.name} marked {label}."
        elif is_held(comment.article):
            message = "This story's thread is under legal hold: nothing changed."
        else:
            message = f"Comment by {comment.name} was not changed."
        return self._answer(
            request,
            bool(changed),
            message,
            status=status,
            undo=reverse("admin:comments_comment_undo", args=[pk]),
            undo_seconds=current().undo_seconds,
        )

    def may_pick(self, request) -> bool:
        """Moderators and editors feature comments."""
        return self.has_moderate_permission(request) or request.user.has_perm(
            PUBLISH_PERMISSION
        )

    def story_view(self, request, article_pk):
        """A story's published comments, picks first, each with its Pick or
        Unpick button: where an editor (who has no moderation queue) picks
        comments; moderators may use it too. Buttons are plain forms."""
        if not self.may_pick(request):
            raise PermissionDenied
        article = get_object_or_404(Article, pk=article_pk)
        comments = (
            Comment.objects.approved()
            .filter(article=article)
            .order_by(F("picked_at").desc(nulls_last=True), "-created_at", "-pk")
        )
        page = Paginator(comments, 50).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "page": page,
            "picked": comments.filter(picked_at__isnull=False).count(),
            "title": f"Comments on “{article.title}”",
        }
        return TemplateResponse(request, "admin/comments/comment/story.html", context)

    def pick_view(self, request, pk):
        """POST: feature a published comment as an editors' pick, or stop
        (`unpick=1`). Moderators and editors."""
        if not self.may_pick(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=pk)
        picked = request.POST.get("unpick") != "1"
        changed = services.comments_pick(
            comment_ids=[pk], user=request.user, picked=picked
        )
        if changed:
            done = "is an editors' pick" if picked else "is no longer a pick"
            message = f"Comment by {comment.name} {done}."
        elif comment.status != Comment.Status.APPROVED:
            message = "Only a published comment can be a pick."
        else:
            message = f"Comment by {comment.name} was not changed."
        return self._answer(request, bool(changed), message, picked=picked)

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
            # Readers' reports against this commenter's comments, by reason.
            "reports": list(
                CommentReport.objects.filter(comment__in=theirs.values("pk"))
                .order_by()
                .values("reason")
                .annotate(n=Count("*"))
                .order_by("-n")
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
