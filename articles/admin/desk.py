"""The article form's own views: revisions, autosave, body images, the
edit lock, corrections and restores."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    Http404,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import services, workflow
from ..images import (
    STORAGE_DOWN_MESSAGE,
    STORAGE_ERRORS,
    body_rendition,
)
from ..library import library_image_ready
from ..models import (
    Article,
    ArticleRevision,
    LibraryImage,
    can_publish,
    person_name,
)
from .forms import BodyImageForm, autosaved_fields


class ArticleDeskViews:
    """Views of ArticleAdmin under its URLs."""

    # Revisions: list, compare two, restore one.

    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<int:pk>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name=f"{name}_revisions",
            ),
            path(
                "<int:pk>/revisions/<int:revision_pk>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{name}_restore",
            ),
            path(
                "<int:pk>/revisions/<int:revision_pk>/correction/",
                self.admin_site.admin_view(self.correction_view),
                name=f"{name}_correction",
            ),
            path(
                "body-image/",
                self.admin_site.admin_view(require_POST(self.body_image_view)),
                name=f"{name}_body_image",
            ),
            path(
                "autosave/",
                self.admin_site.admin_view(require_POST(self.autosave_view)),
                name=f"{name}_autosave",
            ),
            path(
                "<int:pk>/workflow/",
                self.admin_site.admin_view(self.workflow_view),
                name=f"{name}_workflow",
            ),
            path(
                "<int:pk>/lock/",
                self.admin_site.admin_view(require_POST(self.lock_view)),
                name=f"{name}_lock",
            ),
            path(
                "<int:pk>/unlock/",
                self.admin_site.admin_view(require_POST(self.unlock_view)),
                name=f"{name}_unlock",
            ),
            *super().get_urls(),
        ]

    def _article_for(self, request, pk, *, change=False):
        article = get_object_or_404(Article, pk=pk)
        allowed = (
            self.has_change_permission(request, article)
            if change
            else self.has_view_or_change_permission(request, article)
        )
        if not allowed:
            raise PermissionDenied
        return article

    def revisions_view(self, request, pk):
        """List an article's versions; compare any two (?a=…&b=…)."""
        article = self._article_for(request, pk)
        revisions = list(article.revisions.select_related("created_by", "correction"))
        for revision in revisions:
            revision.status_label = workflow.revision_label(
                revision.data, revision.created_at
            )
        by_pk = {r.pk: r for r in revisions}
        changes = None
        old = new = None
        try:
            a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
        except ValueError:
            a = b = 0
        if a and b:
            if a not in by_pk or b not in by_pk:
                raise Http404("No such revision")
            old, new = sorted([by_pk[a], by_pk[b]], key=lambda r: (r.created_at, r.pk))
            changes = services.revision_changes(old=old, new=new)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "revisions": revisions,
            "changes": changes,
            "old": old,
            "new": new,
            "can_restore": self.has_change_permission(request, article),
            "can_correct": can_publish(request.user) and article.is_published,
            "title": f"Revisions of “{article}”",
        }
        return TemplateResponse(
            request, "admin/articles/article/revisions.html", context
        )

    def _autosave_context(self, request, article=None) -> dict:
        copy = services.draft_copy_for(user=request.user, article=article)
        restoring = request.GET.get("restore") == "1"
        return {
            "autosave_url": reverse("admin:articles_article_autosave"),
            "autosave_seconds": settings.NEWSROOM_AUTOSAVE_SECONDS,
            "draft_copy": None if restoring else copy,
            "restored_copy": copy if restoring else None,
            "stored_at_ms": int(article.updated_at.timestamp() * 1000)
            if article
            else 0,
        }

    def body_image_view(self, request):
        """POST `image`: an image for the article body, checked like the
        featured image (type, size, pixels). It joins the media library (or
        is found there: the same bytes uploaded before, whose credit and
        rights come with it) and its renditions are made at once (no EXIF
        or GPS kept; the original stays private). Answers the address of the
        rendition the body shows, for the editor's figure dialog, and the
        library item's words to offer."""

        if not (
            self.has_add_permission(request) or self.has_change_permission(request)
        ):
            raise PermissionDenied
        form = BodyImageForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"error": " ".join(form.errors["image"])}, status=400)
        try:
            with transaction.atomic():
                # Renditions at once, not by a worker: the editor waits for
                # the address (a storage that fails is tried again by one).
                item, created = library_image_ready(
                    file=form.cleaned_data["image"], user=request.user
                )
        except STORAGE_ERRORS:
            return JsonResponse({"error": STORAGE_DOWN_MESSAGE}, status=503)
        shown = body_rendition(item.renditions)
        if shown is None:
            return JsonResponse({"error": STORAGE_DOWN_MESSAGE}, status=503)
        url, width, height = shown
        answer = {"url": url, "width": width, "height": height, "key": item.key}
        if not created:
            visible = LibraryImage.objects.visible_to(request.user).filter(pk=item.pk)
            # A picture in a story this user may not open stays unnamed.
            if visible.exists():
                answer.update(
                    existing=item.title,
                    alt=item.alt,
                    caption=item.caption,
                    credit=item.credit_line,
                )
            else:
                answer["existing"] = ""
        return JsonResponse(answer)

    def autosave_view(self, request):
        """POST `form` (the article form, URL-encoded, no files) and `article`
        (its id, empty for a new one): keep them as this user's unsaved
        changes; `discard=1` forgets them (and goes back to the form)."""
        pk = request.POST.get("article") or None
        if pk is not None:
            article = self._article_for(request, pk, change=True)
        elif self.has_add_permission(request):
            article = None
        else:
            raise PermissionDenied
        if request.POST.get("discard") == "1":
            services.draft_copy_discard(user=request.user, article=article)
            target = (
                reverse("admin:articles_article_change", args=[article.pk])
                if article
                else reverse("admin:articles_article_add")
            )
            return HttpResponseRedirect(target)
        data = autosaved_fields(QueryDict(request.POST.get("form", "")))
        copy = services.draft_copy_save(user=request.user, article=article, data=data)
        return JsonResponse({"saved_at": timezone.localtime(copy.saved_at).isoformat()})

    def workflow_view(self, request, pk):
        """A workflow step that is asked first (Unpublish…): GET says what
        it will do, with a button; POST does it. Works without JavaScript."""
        article = self._article_for(request, pk, change=True)
        change_url = reverse("admin:articles_article_change", args=[pk])
        state = workflow.state_of_article(article)
        action = request.POST.get("action") or request.GET.get("action")
        transition = workflow.find(request.user, state, action)
        if transition is None or not transition.confirm:
            self.message_user(
                request,
                "That action is not open to you on this story now "
                f"({article.display_status}).",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            services.article_move(
                article=article, user=request.user, status=transition.status
            )
            self.message_user(
                request,
                workflow.done_message(transition.action, article),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "transition": transition,
            "change_url": change_url,
            "title": f"{transition.label.rstrip('…')} “{article}”?",
        }
        return TemplateResponse(
            request, "admin/articles/article/workflow_confirm.html", context
        )

    @staticmethod
    def _lock_state(lock, user) -> dict:
        return {
            "held": lock.user_id == user.pk,
            "by": person_name(lock.user),
            "since": timezone.localtime(lock.since).isoformat(),
        }

    def lock_view(self, request, pk):
        """POST: renew this user's lock (the heartbeat) or, with
        take_over=1, take it; answers who holds it."""
        article = self._article_for(request, pk, change=True)
        lock = services.article_lock(
            article=article,
            user=request.user,
            take_over=request.POST.get("take_over") == "1",
        )
        wants_json = "application/json" in request.headers.get("Accept", "")
        if request.POST.get("take_over") == "1" and not wants_json:
            return HttpResponseRedirect(
                reverse("admin:articles_article_change", args=[pk])
            )
        return JsonResponse(self._lock_state(lock, request.user))

    def unlock_view(self, request, pk):
        """POST (sent by the page as it is left): release this user's lock."""
        article = self._article_for(request, pk, change=True)
        services.article_unlock(article=article, user=request.user)
        return JsonResponse({"held": False})

    def correction_view(self, request, pk, revision_pk):
        """POST `note`: mark this revision as a public correction (editors)."""
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:articles_article_revisions", args=[pk])
            )
        article = self._article_for(request, pk, change=True)
        revision = get_object_or_404(ArticleRevision, pk=revision_pk, article=article)
        try:
            services.article_correct(
                revision=revision, note=request.POST.get("note", ""), user=request.user
            )
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, "Correction published.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:articles_article_revisions", args=[pk])
        )

    def restore_view(self, request, pk, revision_pk):
        """POST: put a version back (recorded as a new version)."""
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:articles_article_revisions", args=[pk])
            )
        article = self._article_for(request, pk, change=True)
        revision = get_object_or_404(ArticleRevision, pk=revision_pk, article=article)
        services.article_restore_revision(revision=revision, user=request.user)
        self.message_user(
            request,
            f"Restored the version of {revision.created_at:%Y-%m-%d %H:%M}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[pk]))
