"""The moderators' own lists (bans, reasons, hold and block words) and the
moderation settings page."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from ..models import (
    MODERATE_PERMISSION,
    BannedCommenter,
    ModerationReason,
    ModerationSettings,
    ModerationWord,
)
from ..services import moderation_settings_save


class ModeratorOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)


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


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(ModeratorOnlyAdmin):
    """One page, like WordPress's Settings › Discussion: the list is the
    page, nothing to add or delete; saved through the service (audited,
    invalidated)."""

    fieldsets = [
        (
            "Limits",
            {"fields": ["flood_seconds", "rate_per_minute", "hold_links"]},
        ),
        ("Trust", {"fields": ["trust_approved_emails"]}),
        (
            "Surge guard",
            {"fields": ["surge_threshold", "surge_window_seconds", "surge_lift"]},
        ),
        (
            "Quiet hours",
            {"fields": ["quiet_hours", "quiet_mode", "quiet_time_zone"]},
        ),
        ("Closing and undo", {"fields": ["close_after_days", "undo_seconds"]}),
        ("Last change", {"fields": ["updated_at", "updated_by"]}),
    ]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        ModerationSettings.objects.get_or_create(pk=1)
        url = reverse("admin:comments_moderationsettings_change", args=[1])
        return HttpResponseRedirect(url)

    def save_model(self, request, obj, form, change):
        moderation_settings_save(row=obj, actor=request.user, changed=form.changed_data)

    def response_change(self, request, obj):
        self.message_user(
            request,
            "Moderation settings saved: every server uses them from the next "
            "request. Block and hold words are under Moderation words.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(request.path)
