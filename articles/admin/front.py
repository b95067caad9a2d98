"""The front page's arrangement, for editors: one page listing the lead
story, the top stories and the pinned stories in force or lined up, with a
form to place a story, buttons that work without JavaScript (up, down,
remove) and drag-and-drop where JavaScript runs; and a preview of the home
page at any moment. Every change goes through articles/front.py."""

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from infra.admin import AutocompleteSelect, NamedFieldsMixin

from .. import front
from ..models import Article, BreakingNews, FrontSlot
from ..views import HomeView

Kind = FrontSlot.Kind
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
ARRANGE_TEMPLATE = "admin/articles/frontslot/arrange.html"


class MomentInput(forms.DateTimeInput):
    """The browser's own date and time picker (typed in the site's zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_INPUT)


def moment_field(label: str, empty: str) -> forms.DateTimeField:
    """An optional moment, typed with the browser's picker in the site's zone."""
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=MomentInput,
        input_formats=[LOCAL_INPUT],
        help_text=f"Empty: {empty}.",
    )


class PlaceForm(forms.Form):
    article = forms.ModelChoiceField(queryset=Article.objects.none(), label="Story")
    starts_at = moment_field("From", "at once")
    ends_at = moment_field("Until", "until removed")

    def __init__(self, *args, kind, user, admin_site, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        field = self.fields["article"]
        field.widget = AutocompleteSelect(
            FrontSlot._meta.get_field("article"),
            admin_site,
            attrs={"data-placeholder": "Find a story…"},
        )
        # Any story this editor may open (set after the widget: it gives the
        # widget its choices); only a published one is shown.
        field.queryset = Article.objects.openable_by(user)


class BreakingForm(forms.Form):
    ends_at = moment_field("Until", "until ended")
    headline = forms.CharField(
        max_length=200, required=False, help_text="Empty: the story's headline."
    )


def may_mark_breaking(user) -> bool:
    return user.has_perm("articles.add_breakingnews")


@admin.register(FrontSlot)
class FrontSlotAdmin(NamedFieldsMixin, admin.ModelAdmin):
    """Its list is the arrangement page; places are made and removed there
    (through articles/front.py), never edited one by one."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.arrange_view), name="articles_frontslot_changelist"),
            path(
                "preview/", view(self.preview_view), name="articles_frontslot_preview"
            ),
            path(
                "breaking/<int:pk>/",
                view(require_POST(self.breaking_view)),
                name="articles_frontslot_breaking",
            ),
            path(
                "breaking/end/",
                view(require_POST(self.breaking_end_view)),
                name="articles_frontslot_breaking_end",
            ),
        ]

    def get_model_perms(self, request):
        """Listed on the admin's index for editors, without an "Add" link."""
        return {
            "view": self.has_view_permission(request),
            "change": self.has_change_permission(request),
        }

    def arrange_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_change = self.has_change_permission(request)
        forms_by_kind = {
            kind: PlaceForm(kind=kind, user=request.user, admin_site=self.admin_site)
            for kind in Kind.values
        }
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied
            done = self._act(request, forms_by_kind)
            if done:
                return redirect(request.path)
        now = timezone.now()
        slots = list(  # in force or lined up; ended ones are in the audit log
            FrontSlot.objects.not_ended(now)
            .select_related("article__section")
            .in_order()
        )
        showing = front.front_at(now)
        shown = showing.placed_ids | {
            a.pk for pinned in showing.pins.values() for a in pinned
        }
        for slot in slots:
            slot.showing, slot.state = _state(slot, showing, shown, now)
        groups = [
            {
                "kind": kind,
                "label": label,
                "slots": [s for s in slots if s.kind == kind],
                "form": forms_by_kind[kind],
                "orderable": kind != Kind.LEAD,
            }
            for kind, label in (
                (Kind.LEAD, "Lead story"),
                (Kind.TOP, "Top stories"),
                (Kind.PIN, "Pinned to the top of their section"),
            )
        ]
        media = self.media + forms_by_kind[Kind.LEAD].media
        banners = BreakingNews.objects.not_ended(now).select_related("article")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Front page",
            "groups": groups,
            "may_change": may_change,
            "banners": banners,
            "banner_now": BreakingNews.objects.current(now),
            "may_mark_breaking": may_mark_breaking(request.user),
            "media": media,
            "now": now,
            "zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, ARRANGE_TEMPLATE, context)

    def _act(self, request, forms_by_kind) -> bool:
        """Apply the pressed button; False when a form must be shown again
        with its errors (what was typed kept)."""
        action = request.POST.get("action")
        user = request.user
        if action == "place":
            kind = request.POST.get("place")
            if kind not in Kind.values:
                raise PermissionDenied
            form = PlaceForm(
                request.POST, kind=kind, user=user, admin_site=self.admin_site
            )
            forms_by_kind[kind] = form
            if not form.is_valid():
                return False
            try:
                slot = front.front_place(
                    user=user,
                    kind=kind,
                    article=form.cleaned_data["article"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                return False
            messages.success(request, self._placed_message(slot))
            return True
        slot = get_object_or_404(FrontSlot, pk=request.POST.get("slot"))
        if action == "remove":
            front.front_remove(user=user, slot=slot)
            messages.success(request, f"Removed from the front page: “{slot.article}”.")
        elif action in ("up", "down"):
            front.front_move(user=user, slot=slot, step=-1 if action == "up" else 1)
        elif action == "reorder":
            order = request.POST.get("order", "").split(",")
            ids = [int(pk) for pk in order if pk.isdigit()]
            front.front_reorder(user=user, kind=slot.kind, ids=ids)
            messages.success(request, "New order saved.")
        return True

    @staticmethod
    def _placed_message(slot) -> str:
        when = "now"
        if slot.starts_at and slot.starts_at > timezone.now():
            when = f"from {_local(slot.starts_at)}"
        until = f", until {_local(slot.ends_at)}" if slot.ends_at else ""
        note = ""
        if not slot.article.is_published:
            note = " It shows once the story is published."
        return f"{slot.get_kind_display()}: “{slot.article}”, {when}{until}.{note}"

    def breaking_view(self, request, pk):
        """ "Mark as breaking" on a story's page: the banner goes up on every
        reader page at once (until the optional time)."""
        if not may_mark_breaking(request.user):
            raise PermissionDenied
        article = get_object_or_404(Article.objects.openable_by(request.user), pk=pk)
        back = reverse("admin:articles_article_change", args=[article.pk])
        form = BreakingForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.get("ends_at") or "Check the time.")
            banner = front.breaking_mark(
                user=request.user,
                article=article,
                ends_at=form.cleaned_data["ends_at"],
                headline=form.cleaned_data["headline"],
            )
        except ValidationError as error:
            typed = request.POST.get("ends_at", "")
            messages.error(
                request,
                f"Not marked as breaking ({typed or 'no end'}): "
                + " ".join(error.messages),
            )
            return redirect(back)
        until = f", until {_local(banner.ends_at)}" if banner.ends_at else ""
        note = "" if article.is_published else " It shows once the story is published."
        messages.success(
            request,
            f"Breaking: “{banner.text}” is on every page now{until}.{note} "
            "End it on the Front page.",
        )
        return redirect(back)

    def breaking_end_view(self, request):
        if not may_mark_breaking(request.user):
            raise PermissionDenied
        ended = front.breaking_end(user=request.user)
        messages.success(
            request,
            "The breaking-news banner is down." if ended else "No banner was up.",
        )
        return redirect(reverse("admin:articles_frontslot_changelist"))

    def preview_view(self, request):
        """The home page as readers will see it at `at` (now): scheduled
        stories and places included once their time has come."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        at = None
        raw = request.GET.get("at", "")
        if raw:
            try:
                at = timezone.make_aware(datetime.strptime(raw, LOCAL_INPUT))
            except ValueError:
                messages.error(request, "That moment could not be read.")
                return redirect(reverse("admin:articles_frontslot_changelist"))
        return PreviewHomeView.as_view(at=at or timezone.now())(request)


def _state(slot, showing, shown: set, now) -> tuple[bool, str]:
    """(Whether the place shows now, what to say about it)."""
    article = slot.article
    if slot.kind == Kind.LEAD and showing.lead and showing.lead.pk == article.pk:
        return True, "Showing now"
    if slot.kind != Kind.LEAD and article.pk in shown:
        return True, "Showing now"
    if not article.is_published:
        return False, f"Not live: {article.display_status}"
    if slot.starts_at and slot.starts_at > now:
        return False, f"From {_local(slot.starts_at)}"
    if slot.kind == Kind.LEAD:
        return False, "Not showing: a lead that started later leads"
    return False, "Not showing: it leads the page already"


def _local(moment) -> str:
    zone = timezone.get_current_timezone_name()
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} ({zone})"


class PreviewHomeView(HomeView):
    """The home page at a moment, for the editor only (never cached: the
    admin's session keeps it out of every shared cache)."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview_at=_local(self.at), **kwargs)
