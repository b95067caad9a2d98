"""The article list and form (ArticleAdmin): list, permissions, saves and
bulk actions; the desk's own views are a mixin (desk.py)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from infra import events
from infra.admin import NamedFieldsMixin

from .. import audit, services, workflow
from ..html import sanitize_html
from ..images import rendition_of
from ..library import expired_images_of
from ..models import (
    Article,
    AuthorProfile,
    LibraryImage,
    can_publish,
)
from .desk import ArticleDeskViews
from .forms import ArticleAdminForm, ArticleAuthorInline, restored_initial
from .front import may_mark_breaking
from .live import ArticleLiveViews


def compact_time(value) -> str:
    """A list's date and time in the site's zone, short enough for a column
    ("2026-12-09 01:48"), the full moment in the element's datetime."""
    if not value:
        return "-"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        local.strftime("%Y-%m-%d %H:%M"),
    )


class PicturesFilter(admin.SimpleListFilter):
    title = "pictures"
    parameter_name = "pictures"

    def lookups(self, request, model_admin):
        return [("expired", "Licence expired"), ("none", "No picture")]

    def queryset(self, request, queryset):
        if self.value() == "expired":
            return queryset.showing_expired_pictures()
        if self.value() == "none":
            return queryset.filter(image_keys=[])
        return queryset


@admin.register(Article)
class ArticleAdmin(
    ArticleLiveViews, ArticleDeskViews, NamedFieldsMixin, admin.ModelAdmin
):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ["admin/css/articles.css"]}

    inlines = [ArticleAuthorInline]
    list_display = [
        "title",
        "status_column",
        "section",
        "byline_column",
        "published_column",
        "updated_column",
    ]
    list_filter = [
        "status",
        "section",
        ("authors", admin.RelatedOnlyFieldListFilter),
        "published_at",
        PicturesFilter,
    ]
    list_select_related = ["section"]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "section", "featured_item"]
    actions = ["publish_selected", "unpublish_selected"]
    readonly_fields = [
        "image_preview",
        "body_pictures",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Section, tags and language", {"fields": ["section", "tags", "language"]}),
        (
            "Featured image",
            {
                "fields": [
                    "featured_image",
                    "featured_item",
                    "image_preview",
                    "body_pictures",
                    "featured_image_alt",
                    "featured_image_caption",
                    "featured_image_credit",
                ]
            },
        ),
        ("Source", {"fields": ["source_name", "source_url"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "comments_open"]},
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

    def get_search_results(self, request, queryset, search_term):
        """Title, standfirst and slug as typed, and any word of the body
        through the site's own full-text search (every language it reads),
        within the stories this user may open (`queryset`)."""
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        if search_term.strip():
            results = results | queryset.matching(search_term.strip())
        return results, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "featured_item":
            # Checked on the server: only pictures this user may see
            # (an embargoed story's stay out of reach, key or not).
            kwargs["queryset"] = LibraryImage.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
        """The workflow buttons this user may press on this article (none
        where the page is read-only): articles/workflow.py decides."""
        if obj is not None and not self.has_change_permission(request, obj):
            return []
        state = workflow.state_of_article(obj)
        buttons = []
        for transition in workflow.available(request.user, state):
            confirm_url = (
                reverse("admin:articles_article_workflow", args=[obj.pk])
                + f"?action={transition.action}"
                if transition.confirm
                else None
            )
            buttons.append({"transition": transition, "confirm_url": confirm_url})
        return buttons

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
        context["may_mark_breaking"] = may_mark_breaking(request.user)
        context["expired_pictures"] = expired_images_of(obj) if obj else []
        return super().render_change_form(request, context, add, change, **kw)

    def get_fieldsets(self, request, obj=None):
        """On a read-only page the body shows as readers see it (sanitized
        HTML), not as its markup."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            if request.method == "POST":
                # The form may ask whether the language is right (its text
                # reads like another): the answer's box comes with the page.
                fieldsets = [
                    (name, {**options, "fields": [
                        *options["fields"],
                        *(["language_confirmed"] if "language" in options["fields"]
                          else []),
                        *(["rights_confirmed"] if "status" in options["fields"]
                          else []),
                    ]})
                    for name, options in fieldsets
                ]  # fmt: skip
            return fieldsets
        return [
            (name, {**options, "fields": [
                "body_as_published" if f == "body" else f for f in options["fields"]
            ]})
            for name, options in fieldsets
        ]  # fmt: skip

    @admin.display(description="Body")
    def body_as_published(self, obj):
        return mark_safe(sanitize_html(obj.body))  # noqa: S308 (sanitized here)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        state = workflow.state_of_article(obj)
        if not workflow.may_set_time(request.user, state):
            fields.append("published_at")
        return fields

    def _workflow_response(self, request, obj):
        """After a save by a workflow button: say what happened in the
        workflow's words (not "was changed successfully")."""
        action = request.POST.get("_workflow")
        if IS_POPUP_VAR in request.POST or not action:
            return None
        self.message_user(request, workflow.done_message(action, obj), messages.SUCCESS)
        return self.response_post_save_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        done = self._workflow_response(request, obj)
        return done or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        done = self._workflow_response(request, obj)
        return done or super().response_change(request, obj)

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

    @admin.display(description="Published", ordering="published_at")
    def published_column(self, obj):
        return compact_time(obj.published_at)

    @admin.display(description="Updated", ordering="updated_at")
    def updated_column(self, obj):
        return compact_time(obj.updated_at)

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

    @admin.display(description="Or a picture from the body")
    def body_pictures(self, obj):
        """Each library picture of the saved body, with a button that makes
        it the featured image (saving the form with it)."""
        keys = [k for k in (obj.image_keys if obj else []) if k != obj.featured_item_id]
        if not keys:
            return "None: pictures you add to the body show here."
        items = {i.key: i for i in LibraryImage.objects.filter(key__in=keys)}
        rows = []
        for key in keys:
            item = items.get(key)
            shown = item and rendition_of(item.renditions, width=160, crop="card")
            if not shown:
                continue
            rows.append((shown[0], shown[1], shown[2], item.alt, key, item.title))
        return format_html(
            '<ul class="body-pictures">{}</ul>',
            format_html_join(
                "",
                '<li><img src="{}" width="{}" height="{}" alt="{}" loading="lazy">'
                '<button type="submit" name="_make_featured" value="{}" '
                'class="button">Make “{}” the featured image</button></li>',
                rows,
            ),
        )

    # The audit entry of a deleted story that readers have seen is also its
    # tombstone: the content API answers 410 for it and lists it as removed.
    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj, was_public=obj.has_been_public)
        if obj.is_published:
            events.emit("story.unpublished", [obj.pk], deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            audit.record(
                request.user, "delete", article, was_public=article.has_been_public
            )
            if article.is_published:
                events.emit("story.unpublished", [article.pk], deleted=True)
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if form.empty_images:
            self.message_user(
                request,
                f"{form.empty_images} empty image(s) left out of the body: an "
                "image without its file, or a figure without an image, is "
                "never saved. Check that every picture you meant is there.",
                messages.WARNING,
            )

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
        picked = {"featured_image", "featured_item"} & set(form.changed_data)
        if picked or pending or form.made_featured:
            services.article_refresh_renditions(article=article, user=request.user)
        if form.made_featured:
            self.message_user(
                request,
                f"“{form.made_featured}” from the body is now the featured "
                "image, with the body's alt text and caption.",
                messages.SUCCESS,
            )
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
        # A story showing a picture whose licence has run out is not
        # published in bulk: its form asks first, one story at a time.
        held = set(queryset.showing_expired_pictures().values_list("pk", flat=True))
        count, asked = 0, []
        for article in queryset:
            if article.is_published:
                continue
            if article.pk in held:
                asked.append(f"“{article.title}”")
                continue
            services.article_publish(article=article, user=request.user)
            count += 1
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)
        if asked:
            self.message_user(
                request,
                f"Not published: {', '.join(asked)} show a picture whose licence "
                "has run out. Open each to replace it, or to publish it anyway.",
                messages.WARNING,
            )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            services.article_unpublish(article=article, user=request.user)
            count += 1
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)
