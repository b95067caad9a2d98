import secrets

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import FileExtensionValidator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from newsroom.spreadsheet import SafeWriter

from . import accounts, audit, services
from .html import html_to_text
from .images import (
    STORAGE_DOWN_MESSAGE,
    STORAGE_ERRORS,
    make_renditions,
    public_url,
    refuse_uploads_while_storage_is_down,
)
from .models import (
    IMAGE_EXTENSIONS,
    Article,
    ArticleAuthor,
    ArticleRevision,
    AuditEntry,
    AuthorProfile,
    Section,
    Tag,
    can_publish,
    person_name,
)
from .validators import validate_image

User = get_user_model()


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class AuthorProfileForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        refuse_uploads_while_storage_is_down(self)
        return cleaned


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    """Editors manage every profile; a journalist sees and edits only their own."""

    list_display = ["display_name", "job_title", "user", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    search_fields = ["display_name", "user__username", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]
    form = AuthorProfileForm

    def manages_all(self, request) -> bool:
        return request.user.has_perm("articles.add_authorprofile")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.manages_all(request):
            return qs
        return qs.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        if self.manages_all(request):
            return ["slug"] if obj and obj.articles.exists() else []
        return ["user", "slug", "is_active"]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return (
            obj is None or self.manages_all(request) or obj.user_id == request.user.pk
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "photo" in form.changed_data:
            services.author_refresh_photo(profile=obj)

    def get_search_results(self, request, queryset, search_term):
        # Author autocomplete on the article form lists every active author.
        if request.path.endswith("/autocomplete/"):
            queryset = AuthorProfile.objects.active()
        return super().get_search_results(request, queryset, search_term)


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 1
    min_num = 0
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    verbose_name = "byline author"
    verbose_name_plural = "Byline (in order: lowest position first)"


def _shown(value) -> str:
    """A form or model value as the conflict table shows it."""
    if hasattr(value, "all"):  # tags: the stored relation or the chosen ones
        return ", ".join(sorted(str(v) for v in value.all())) or "—"
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    return services.shown_value(value)


# What an autosave keeps of the article form: its own fields (the date and
# time of `published_at` come as two parts), never files or tokens.
AUTOSAVED = {
    "title", "slug", "standfirst", "body", "section", "tags", "language",
    "featured_image_alt", "featured_image_caption", "featured_image_credit",
    "source_name", "source_url", "status", "published_at_0", "published_at_1",
    "is_featured", "comments_open",
}  # fmt: skip
CHECKBOXES = {"is_featured", "comments_open"}


def autosaved_fields(posted: QueryDict) -> dict:
    return {name: posted.getlist(name) for name in AUTOSAVED if name in posted}


def restored_initial(data: dict) -> dict:
    """An autosaved copy as the article form's initial values."""
    initial = {}
    for name, values in data.items():
        if name in ("published_at_0", "published_at_1") or name in CHECKBOXES:
            continue
        initial[name] = values if name == "tags" else (values[0] if values else "")
    if "published_at_0" in data:
        initial["published_at"] = [
            (data.get("published_at_0") or [""])[0],
            (data.get("published_at_1") or [""])[0],
        ]
    for name in CHECKBOXES:
        initial[name] = name in data
    return initial


class BodyImageForm(forms.Form):
    image = forms.ImageField(
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image]
    )


def body_rendition(renditions: dict) -> tuple[str, int]:
    """The rendition a body image shows: the widest in the original's
    format up to 1280 px (the body column is narrower)."""
    fitting = [r for r in renditions["fallback"] if r[1] <= 1280]
    return tuple(max(fitting or renditions["fallback"], key=lambda r: r[1]))


class ArticleAdminForm(forms.ModelForm):
    # The stored article's version when this form was opened: a save from an
    # older form is refused with what changed (never applied blindly).
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)
    # An image chosen in a save that failed (another field's error): kept in
    # storage and used by the next save, since a browser cannot refill a
    # file input (signed: a form cannot name any other file).
    pending_image = forms.CharField(required=False, widget=forms.HiddenInput)
    conflict = None
    PENDING_SALT = "articles.pending-image"

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "standfirst",
            "body",
            "section",
            "tags",
            "featured_image",
            "featured_image_alt",
            "featured_image_caption",
            "featured_image_credit",
            "source_name",
            "source_url",
            "status",
            "published_at",
            "language",
            "is_featured",
            "comments_open",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()
        if user is not None and not can_publish(user) and "status" in self.fields:
            self.fields["status"].choices = [
                c for c in Article.Status.choices if c[0] != Article.Status.PUBLISHED
            ]

    # The workflow buttons (the change form's submit row): what each sets.
    WORKFLOW = {
        "draft": "Save draft",
        "review": "Submit for review",
        "schedule": "Schedule",
        "publish": "Publish now",
        "unpublish": "Unpublish",
    }

    def _apply_workflow(self, cleaned) -> None:
        action = self.data.get("_workflow")
        if action not in self.WORKFLOW:
            return
        statuses = {
            "draft": Article.Status.DRAFT,
            "review": Article.Status.IN_REVIEW,
            "unpublish": Article.Status.DRAFT,
        }
        if action in statuses:
            cleaned["status"] = statuses[action]
            return
        cleaned["status"] = Article.Status.PUBLISHED
        if action == "publish":
            cleaned["published_at"] = timezone.now()
            return
        at = cleaned.get("published_at")
        if at is None or at <= timezone.now():
            zone = timezone.get_current_timezone_name()
            self.add_error(
                "published_at" if "published_at" in self.fields else None,
                f"To schedule, set a future date and time ({zone}).",
            )

    def pending_image_name(self) -> str | None:
        """The stored name of an image kept from a failed save, if any."""
        token = self.data.get("pending_image") if self.is_bound else None
        if not token:
            return None
        try:
            return signing.loads(token, salt=self.PENDING_SALT, max_age=86400)
        except signing.BadSignature:
            return None

    def clean_featured_image(self):
        image = self.cleaned_data.get("featured_image")
        pending = self.pending_image_name()
        if pending and not self.files.get("featured_image"):
            if default_storage.exists(pending):
                return File(default_storage.open(pending), name=pending.split("/")[-1])
        return image

    def full_clean(self):
        super().full_clean()
        upload = self.files.get("featured_image") if self.is_bound else None
        if self._errors and upload and "featured_image" not in self._errors:
            upload.seek(0)
            extension = upload.name.rsplit(".", 1)[-1].lower()
            try:
                name = default_storage.save(
                    f"pending/{secrets.token_hex(16)}.{extension}", upload
                )
            except STORAGE_ERRORS:
                return  # the error below says so; the rest is kept
            data = self.data.copy()
            data["pending_image"] = signing.dumps(name, salt=self.PENDING_SALT)
            self.data = data
            self.kept_image = upload.name

    def clean(self):
        cleaned = super().clean()
        refuse_uploads_while_storage_is_down(self)
        self._refuse_a_stale_save(cleaned)
        self._apply_workflow(cleaned)
        if cleaned.get("featured_image") and not cleaned.get("featured_image_alt"):
            self.add_error(
                "featured_image_alt",
                "Describe the image for readers who cannot see it.",
            )
        status = cleaned.get("status")
        if status and self.user is not None:
            try:
                services.article_set_status(
                    article=self.instance,
                    user=self.user,
                    status=status,
                    at=cleaned.get("published_at"),
                )
            except PermissionDenied as error:
                raise forms.ValidationError(str(error)) from None
            cleaned["published_at"] = self.instance.published_at
        published_at = cleaned.get("published_at")
        slug = cleaned.get("slug")
        if published_at and slug:
            clash = Article.objects.filter(
                pub_date=timezone.localdate(published_at), slug=slug
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "slug",
                    "Another article published on that date has this slug; "
                    "choose another.",
                )
        return cleaned

    def _refuse_a_stale_save(self, cleaned):
        """Refuse a save from a form opened before the stored article's last
        save, listing each field whose value differs (theirs | yours)."""
        article = self.instance
        loaded = self.data.get("loaded_at")
        if not article.pk or not loaded:
            return
        current = (
            Article.objects.filter(pk=article.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None or current.isoformat() == loaded:
            return
        changed = []
        for name, field in self.fields.items():
            if name not in self._meta.fields or name == "featured_image":
                continue
            if name not in cleaned:
                continue
            theirs = getattr(article, name)
            yours = cleaned[name]
            if name == "body":  # compared and shown as text
                theirs, yours = html_to_text(theirs or ""), html_to_text(yours or "")
            if name == "tags":
                same = {t.pk for t in theirs.all()} == {t.pk for t in yours}
            else:
                same = theirs == yours
            if not same:
                changed.append(
                    {
                        "label": field.label,
                        "theirs": _shown(theirs),
                        "yours": _shown(yours),
                    }
                )
        latest = article.revisions.select_related("created_by").first()
        author = latest.created_by if latest else None
        who = person_name(author) if author else "Someone"
        self.conflict = {"who": who, "when": current, "fields": changed}
        # The page comes back with the newer version's mark: saving again, after
        # reading the comparison, keeps this form's values on purpose.
        data = self.data.copy()
        data["loaded_at"] = current.isoformat()
        self.data = data
        raise forms.ValidationError(
            f"{who} saved this article at {timezone.localtime(current):%H:%M} "
            "after you opened it. Nothing was saved: compare their version with "
            "yours below, "
            "then Save again to keep yours (or reload to take theirs)."
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    inlines = [ArticleAuthorInline]
    list_display = [
        "title",
        "status_column",
        "section",
        "byline_column",
        "published_at",
        "updated_at",
    ]
    list_filter = [
        "status",
        "section",
        ("authors", admin.RelatedOnlyFieldListFilter),
        "published_at",
    ]
    list_select_related = ["section"]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "section"]
    actions = ["publish_selected", "unpublish_selected"]
    readonly_fields = ["image_preview", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Section, tags and language", {"fields": ["section", "tags", "language"]}),
        (
            "Featured image",
            {
                "fields": [
                    "featured_image",
                    "image_preview",
                    "featured_image_alt",
                    "featured_image_caption",
                    "featured_image_credit",
                ]
            },
        ),
        ("Source", {"fields": ["source_name", "source_url"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "is_featured", "comments_open"]},
        ),
        (
            "History",
            {
                "classes": ["collapse"],
                "fields": ["created_by", "created_at", "updated_at"],
            },
        ),
    ]

    def get_queryset(self, request):
        """Only the stories this user may open (Article.openable_by): the
        list, the search, the change, history and delete pages, and the
        autocomplete all start here."""
        return (
            super()
            .get_queryset(request)
            .openable_by(request.user)
            .prefetch_related("bylines__author")
            .defer("body", "body_text")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user
        restored = None
        if request.method == "GET" and request.GET.get("restore") == "1":
            copy = services.draft_copy_for(user=user, article=obj)
            restored = copy and restored_initial(copy.data)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                if restored:
                    kw["initial"] = {**kw.get("initial", {}), **restored}
                super().__init__(*args, user=user, **kw)

        return RequestForm

    def workflow_buttons(self, request, obj) -> list[dict]:
        """The workflow buttons this user may press on this article."""
        actions = ["draft", "review"]
        if can_publish(request.user):
            actions += ["schedule", "publish"]
            if obj is not None and obj.status == Article.Status.PUBLISHED:
                actions.append("unpublish")
        return [{"value": a, "label": ArticleAdminForm.WORKFLOW[a]} for a in actions]

    def render_change_form(self, request, context, add=False, change=False, **kw):
        obj = context.get("original")
        if obj is None:
            context.update(self._autosave_context(request))
        elif self.has_change_permission(request, obj):
            # The edit lock: taken when the form opens, renewed by its
            # heartbeat (static/admin/js/article_lock.js), released when it is
            # left. Autosave: the open form sends its unsaved changes
            # (static/admin/js/article_autosave.js); opening the article
            # again offers them back.
            context["edit_lock"] = services.article_lock(article=obj, user=request.user)
            context["lock_seconds"] = settings.NEWSROOM_EDIT_LOCK_SECONDS
            context.update(self._autosave_context(request, obj))
        context["workflow_buttons"] = self.workflow_buttons(request, obj)
        context["workflow_state"] = obj.display_status if obj else "New, not saved"
        context["time_zone"] = timezone.get_current_timezone_name()
        return super().render_change_form(request, context, add, change, **kw)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields.append("published_at")
        return fields

    @staticmethod
    def _within(request, obj, rule) -> bool:
        """Whether `obj` is among the articles `rule(user)` gives."""
        if obj is None or can_publish(request.user):
            return True
        return rule(request.user).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._within(
            request, obj, Article.objects.openable_by
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._within(
            request, obj, Article.objects.editable_by
        )

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self.has_change_permission(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def view_on_site(self, obj):
        if obj.is_published:
            return obj.get_absolute_url()
        return reverse("articles:preview", kwargs={"pk": obj.pk})

    @admin.display(description="Status", ordering="status")
    def status_column(self, obj):
        return obj.display_status if obj.is_scheduled else obj.get_status_display()

    @admin.display(description="Byline")
    def byline_column(self, obj):
        return ", ".join(b.author.display_name for b in obj.bylines.all())

    @admin.display(description="Preview")
    def image_preview(self, obj):
        if not obj or not obj.featured_image:
            return "No image yet."
        return format_html(
            '<img src="{}" alt="{}" style="max-width:240px;height:auto">',
            obj.featured_image.url,
            obj.featured_image_alt,
        )

    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            audit.record(request.user, "delete", article)
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not article.bylines.exists():
            profile = AuthorProfile.objects.filter(user=request.user).first()
            if profile is not None:
                services.article_set_authors(article=article, authors=[profile])
        # Read from this request's form: a ModelAdmin is shared by every
        # thread of the process, so it keeps no per-request state.
        pending = form.pending_image_name()
        if "featured_image" in form.changed_data or pending:
            services.article_refresh_renditions(article=article)
        if pending:
            default_storage.delete(pending)  # now stored as the article's
        services.article_record_revision(article=article, user=request.user)
        # Saved: the autosaved copy (of this article, or of the new one it
        # was) has nothing left to offer.
        services.draft_copy_discard(user=request.user, article=article)
        if not change:
            services.draft_copy_discard(user=request.user, article=None)

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for article in queryset:
            if not article.is_published:
                services.article_publish(article=article, user=request.user)
                count += 1
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            services.article_unpublish(article=article, user=request.user)
            count += 1
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)

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
        featured image (type, size, pixels) and re-encoded into renditions
        (no EXIF or GPS kept; the original is not stored). Answers the URL of
        the rendition the body shows, for the editor's figure dialog."""
        if not (
            self.has_add_permission(request) or self.has_change_permission(request)
        ):
            raise PermissionDenied
        form = BodyImageForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"error": " ".join(form.errors["image"])}, status=400)
        try:
            renditions = make_renditions(form.cleaned_data["image"], folder="body")
        except STORAGE_ERRORS:
            return JsonResponse({"error": STORAGE_DOWN_MESSAGE}, status=503)
        name, width = body_rendition(renditions)
        height = round(renditions["height"] * width / renditions["width"])
        return JsonResponse({"url": public_url(name), "width": width, "height": height})

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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log: read, filter, export; never written from here."""

    list_display = ["at", "actor", "action", "summary", "object_type", "object_id"]
    list_filter = [
        "action",
        "object_type",
        ("actor", admin.RelatedOnlyFieldListFilter),
        "at",
    ]
    search_fields = ["summary", "object_id", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        """Entries about a story this user may not open are left out (the
        list, its search and the CSV export alike)."""
        return super().get_queryset(request).visible_to(request.user)

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="articles_auditentry_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The entries the list shows (same filters and search), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                "The filters in this address are not valid: open the audit log, "
                "filter it there and export again.",
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        writer = SafeWriter(response)
        writer.writerow(
            ["at", "actor", "action", "object_type", "object_id", "summary"]
        )
        for entry in changelist.get_queryset(request).iterator():
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.actor.get_username() if entry.actor else "",
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.summary,
                ]
            )
        return response


# Staff accounts: Django's user admin, with the button an editor uses to
# send someone a link to set their password (articles.accounts).
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    change_form_template = "admin/auth/user/change_form_with_link.html"

    def get_urls(self):
        return [
            path(
                "<id>/password-link/",
                self.admin_site.admin_view(require_POST(self.password_link_view)),
                name="auth_user_password_link",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_send_password_link"] = obj is not None and (
            accounts.may_send_password_link(request.user, obj)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def password_link_view(self, request, id):
        """POST: e-mail this account a link to set its password."""
        user = self.get_object(request, id)
        if user is None or not self.has_view_permission(request, user):
            raise Http404("No such account")
        change = reverse("admin:auth_user_change", args=[user.pk])
        try:
            accounts.password_link_send(user=user, sender=request.user, request=request)
        except accounts.SetPasswordLinkRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(change)
        note = (
            ""
            if user.is_staff
            else (
                " This account has no staff rights yet: it can set a password but "
                "not sign in to the back office until an administrator gives it a role."
            )
        )
        self.message_user(
            request,
            f"A link to set a password was sent to {user.email}.{note}",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change)
