"""A story's live blog in the back office: start and end the coverage, post
updates (several journalists at once: each update is its own row, no edit
lock), edit, remove and pin them. Every change goes through articles/live.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from infra.admin import AutocompleteSelect

from .. import live
from ..models import Article, LiveEntry, can_publish


class LiveEntryForm(forms.ModelForm):
    class Meta:
        model = LiveEntry
        fields = ["body", "linked_article"]
        error_messages = {"body": {"required": "Write the update first."}}

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["linked_article"]
        field.widget = AutocompleteSelect(
            LiveEntry._meta.get_field("linked_article"), admin_site
        )
        field.queryset = Article.objects.published()


class ArticleLiveViews:
    """Views of ArticleAdmin, under its URLs: <id>/live/ and
    <id>/live/<entry id>/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/live/", view(self.live_view), name="articles_article_live"),
            path(
                "<int:pk>/live/<int:entry_pk>/",
                view(self.live_entry_view),
                name="articles_article_live_entry",
            ),
            *super().get_urls(),
        ]

    def _live_article(self, request, pk) -> Article:
        if not request.user.has_perm("articles.add_liveentry"):
            raise PermissionDenied
        return get_object_or_404(Article.objects.openable_by(request.user), pk=pk)

    def live_view(self, request, pk):
        article = self._live_article(request, pk)
        user = request.user
        form = LiveEntryForm(user=user, admin_site=self.admin_site)
        if request.method == "POST":
            done, form = self._live_act(request, article, form)
            if done:
                return redirect(request.path)
        entries = list(
            LiveEntry.objects.shown()
            .filter(article=article)
            .select_related("linked_article")
            .order_by("-pk")[:200]
        )
        for entry in entries:
            entry.may_change = live.may_change_entry(user, entry)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Live blog: {article}",
            "article": article,
            "form": form,
            "media": self.media + form.media,
            "entries": entries,
            "may_run": live.may_run_coverage(user, article),
            "may_pin": can_publish(user),
        }
        return TemplateResponse(request, "admin/articles/article/live.html", context)

    def _live_act(self, request, article, form):
        """Apply the pressed button: (done, the form to show again)."""
        user, action = request.user, request.POST.get("action")
        try:
            if action == "start":
                live.live_start(user=user, article=article)
                messages.success(
                    request, "Live coverage started: post the first update."
                )
            elif action == "end":
                live.live_end(user=user, article=article)
                messages.success(
                    request, "Live coverage ended: open pages stop updating."
                )
            elif action == "post":
                form = LiveEntryForm(
                    request.POST, user=user, admin_site=self.admin_site
                )
                if not form.is_valid():
                    return False, form
                live.live_post(
                    user=user,
                    article=article,
                    body=form.cleaned_data["body"],
                    linked_article=form.cleaned_data["linked_article"],
                )
                messages.success(request, "Update posted: it is on the page now.")
            elif action in ("delete", "pin", "unpin"):
                entry = get_object_or_404(
                    LiveEntry.objects.shown(),
                    pk=request.POST.get("entry"),
                    article=article,
                )
                if action == "delete":
                    live.live_delete(user=user, entry=entry)
                    messages.success(request, "Update removed from the page.")
                else:
                    live.live_pin(user=user, entry=entry, pinned=action == "pin")
            else:
                raise PermissionDenied
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return False, form
        return True, form

    def live_entry_view(self, request, pk, entry_pk):
        article = self._live_article(request, pk)
        entry = get_object_or_404(
            LiveEntry.objects.shown(), pk=entry_pk, article=article
        )
        if not live.may_change_entry(request.user, entry):
            raise PermissionDenied
        back = reverse("admin:articles_article_live", args=[article.pk])
        form = LiveEntryForm(
            request.POST or None,
            instance=entry,
            user=request.user,
            admin_site=self.admin_site,
        )
        if request.method == "POST" and form.is_valid():
            try:
                live.live_edit(
                    user=request.user,
                    entry=entry,
                    body=form.cleaned_data["body"],
                    linked_article=form.cleaned_data["linked_article"],
                )
            except ValidationError as error:
                form.add_error("body", error.message_dict.get("body", error.messages))
            else:
                messages.success(request, "Update edited: the page shows the new text.")
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Edit the update",
            "article": article,
            "entry": entry,
            "form": form,
            "media": self.media + form.media,
            "back": back,
        }
        return TemplateResponse(
            request, "admin/articles/article/live_entry.html", context
        )
