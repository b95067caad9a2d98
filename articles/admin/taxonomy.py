"""Sections, tags and author profiles in the back office."""

from django import forms
from django.contrib import admin

from infra.admin import NamedFieldsMixin

from .. import services
from ..images import (
    refuse_uploads_while_storage_is_down,
)
from ..models import (
    AuthorProfile,
    Section,
    Tag,
)


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
class AuthorProfileAdmin(NamedFieldsMixin, admin.ModelAdmin):
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
