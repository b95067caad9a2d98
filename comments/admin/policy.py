"""The moderators' own lists: bans, reasons, hold and block words."""

from django.contrib import admin

from ..models import (
    MODERATE_PERMISSION,
    BannedCommenter,
    ModerationReason,
    ModerationWord,
)


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
