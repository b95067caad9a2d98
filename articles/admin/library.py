"""The media library in the back office (Articles › Library images): a grid
with the site's search and filters, the picture's page with its focal
point, crops, rights and every story that uses it, and the JSON search the
article form's pickers read."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from infra.admin import NamedFieldsMixin

from .. import library
from ..images import body_rendition, content_key, rendition_of
from ..models import LibraryImage
from ..models.common import can_publish

GRID_PAGE = 48
CROP_PREVIEW_HEIGHT = 180


class UseFilter(admin.SimpleListFilter):
    title = "use and rights"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [
            ("unused", "Used nowhere"),
            ("published", "Used in published stories"),
            ("expired", "Licence expired"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unused":
            return queryset.unused()
        if self.value() == "published":
            return queryset.used_in_published()
        if self.value() == "expired":
            return queryset.expired()
        return queryset


class LibraryImageForm(forms.ModelForm):
    """The picture's form: on upload, the same bytes already in the library
    are found (by their hash) and offered instead of a second copy."""

    class Meta:
        model = LibraryImage
        fields = [
            "file",
            "title",
            "alt",
            "caption",
            "credit",
            "source",
            "licence",
            "licence_expires_on",
            "tags",
            "language",
            "focal_x",
            "focal_y",
        ]
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "any", "min": 0, "max": 1}),
            "focal_y": forms.NumberInput(attrs={"step": "any", "min": 0, "max": 1}),
            "licence_expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    user = None
    duplicate = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As on the article form: a callable default would add a hidden copy
        # of the initial value carrying the help text's aria-describedby.
        if "language" in self.fields:  # not on a read-only view
            self.fields["language"].show_hidden_initial = False

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and self.files.get("file"):
            upload.seek(0)
            key = content_key(upload.read())
            upload.seek(0)
            existing = LibraryImage.objects.filter(key=key).first()
            if existing is not None and existing.pk != self.instance.pk:
                visible = LibraryImage.objects.visible_to(self.user).filter(
                    pk=existing.pk
                )
                if visible.exists():
                    self.duplicate = existing
                    raise forms.ValidationError(
                        format_html(
                            'This picture is already in the library: <a href="{}">'
                            "{}</a>. Use that one (its credit and rights are "
                            "kept there).",
                            existing.get_absolute_url(),
                            existing.title,
                        )
                    )
                # Never says which story holds it (it may be embargoed).
                raise forms.ValidationError(
                    "This picture is already in the library, in a story you "
                    "cannot open yet: ask an editor."
                )
            if self.instance.pk:
                raise forms.ValidationError(
                    "A library picture's file cannot be replaced: upload the "
                    "new one as a picture of its own."
                )
        return upload


@admin.register(LibraryImage)
class LibraryImageAdmin(NamedFieldsMixin, admin.ModelAdmin):
    form = LibraryImageForm
    change_list_template = "admin/articles/libraryimage/change_list.html"
    actions = None  # one picture at a time, from its page (deleting asks first)
    change_form_template = "admin/articles/libraryimage/change_form.html"
    list_display = ["title", "credit", "licence", "created_at"]
    list_filter = [
        UseFilter,
        "licence",
        ("uploaded_by", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["uploaded_by"]
    list_per_page = GRID_PAGE
    # "N pictures" counts what the search and filters found; the library's
    # whole count (one more query, costly for a journalist's view of it)
    # is not shown beside it.
    show_full_result_count = False
    # No date_hierarchy: its years and months are one more query over what
    # was found (as costly as the count on 100,000 pictures); the "created
    # at" filter offers today, the past 7 days, this month and this year.
    search_fields = ["title"]  # the library's own search (get_search_results)
    # No search_help_text: Django ties it to the search box with
    # aria-describedby, and axe then wants a visible label (the box's is an
    # icon). The grid's template says what the search reads.
    view_on_site = False  # its page is this one; "Size" links the original
    readonly_fields = [
        "focal_picker",
        "crops",
        "size",
        "uploaded",
    ]

    class Media:
        css = {"all": ["admin/css/library.css"]}
        js = ["admin/js/focal_point.js"]

    def get_fieldsets(self, request, obj=None):
        about = ["title", "alt", "caption", "credit", "source", "tags", "language"]
        if obj is None:
            return [
                (None, {"fields": ["file", *about]}),
                ("Rights", {"fields": ["licence", "licence_expires_on"]}),
            ]
        return [
            (None, {"fields": ["focal_picker", "focal_x", "focal_y", "crops"]}),
            ("About the picture", {"fields": about}),
            ("Rights", {"fields": ["licence", "licence_expires_on"]}),
            ("File", {"fields": ["size", "uploaded"]}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_queryset(self, request):
        """Only the pictures this user may see (LibraryImage.visible_to):
        the grid, the search, the picture's page, the pickers."""
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        """As WordPress's authors: a journalist edits the pictures they
        uploaded; the others' (and imported ones) they only see and use.
        Editors edit every picture."""
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or can_publish(request.user):
            return allowed
        return obj.uploaded_by_id == request.user.pk

    def get_search_results(self, request, queryset, search_term):
        return library.library_search(queryset, search_term), False

    def get_urls(self):
        return [
            path(
                "search.json",
                self.admin_site.admin_view(self.search_json_view),
                name="articles_libraryimage_search",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "today": timezone.localdate()}
        )

    def search_json_view(self, request):
        """GET `q`: the pictures matching it (the newest first, at most 24)
        as the article form's pickers show them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        items = library.library_search(
            self.get_queryset(request), request.GET.get("q", "")
        )[:24]
        results = []
        for item in items:
            thumb = rendition_of(item.renditions, width=320, crop="card")
            body = body_rendition(item.renditions)
            results.append(
                {
                    "key": item.key,
                    "title": item.title,
                    "alt": item.alt,
                    "caption": item.caption,
                    "credit": item.credit_line,
                    "expired": item.is_expired,
                    "thumb": thumb and thumb[0],
                    "url": body and body[0],
                    "width": body and body[1],
                    "height": body and body[2],
                }
            )
        return JsonResponse({"results": results})

    @admin.display(description="Picture (click to set the focal point)")
    def focal_picker(self, obj):
        shown = rendition_of(obj.renditions, width=640)
        if shown is None:
            return "Its sizes are being made: reload in a moment."
        return format_html(
            '<div class="focal-picker" data-x="{}" data-y="{}">'
            '<img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-mark" aria-hidden="true"></span></div>',
            obj.focal_x,
            obj.focal_y,
            *shown,
            obj.alt,
        )

    @admin.display(description="Crops")
    def crops(self, obj):
        crops = (obj.renditions or {}).get("crops") or {}
        focal = (obj.renditions or {}).get("focal")
        if not crops or focal != [obj.focal_x, obj.focal_y]:
            return "Being made around the focal point: reload in a moment."
        shown = []
        for name, label in (
            ("card", "Card (3:2)"),
            ("social", "Social card (1200×630)"),
        ):
            if name in crops:
                # Each shown 180 px high, from the smallest file sharp enough.
                entry = crops[name]
                width = round(CROP_PREVIEW_HEIGHT * entry["width"] / entry["height"])
                src = rendition_of(obj.renditions, width=width * 2, crop=name)
                shown.append((src[0], width, CROP_PREVIEW_HEIGHT, label))
        return format_html_join(
            "",
            '<figure class="crop"><img src="{}" width="{}" height="{}" alt="" '
            'loading="lazy"><figcaption>{}</figcaption></figure>',
            shown,
        )

    @admin.display(description="Size")
    def size(self, obj):
        pixels = f"{obj.width or '?'} × {obj.height or '?'} px"
        if not obj.file_size:
            return pixels
        return format_html(
            '{}, {} · <a href="{}">the original</a>',
            pixels,
            filesizeformat(obj.file_size),
            obj.file.url,
        )

    @admin.display(description="Uploaded")
    def uploaded(self, obj):
        who = obj.uploaded_by.get_username() if obj.uploaded_by else "someone"
        return f"{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M} by {who}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if item is not None:
            # As this user may know them: an embargoed story stays unnamed.
            extra["uses"] = library.library_uses(item=item, user=request.user)
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        if not change:
            upload = form.cleaned_data["file"]
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            obj.key = content_key(data)
            obj.file_size = len(data)
            obj.uploaded_by = request.user
        library.library_image_save(
            item=obj, user=request.user, changed=form.changed_data, created=not change
        )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        for item in objs:
            uses = library.library_uses(item=item)
            for article in uses.articles:
                protected.append(f"“{item}” is used by the story “{article.title}”")
            for profile in uses.authors:
                protected.append(f"“{item}” is the photo of {profile.display_name}")
        return deleted, counts, perms, protected

    def delete_model(self, request, obj):
        library.library_image_delete(item=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            try:
                library.library_image_delete(item=item, user=request.user)
            except library.ImageInUse as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
