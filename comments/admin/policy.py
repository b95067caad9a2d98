"""The moderators' own lists (bans, reasons, hold and block words) and the
moderation settings page."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from infra.admin import ReadOnlyAdminMixin

from ..models import (
    MODERATE_PERMISSION,
    BannedCommenter,
    MailAddress,
    ModerationReason,
    ModerationSettings,
    ModerationWord,
)
from ..services import mail_address_suppress, moderation_settings_save


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
        (
            "Reports and e-mails",
            {"fields": ["report_threshold", "reply_mails_per_day"]},
        ),
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


class MailStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("confirmed", "Confirmed"),
            ("unconfirmed", "Not confirmed"),
            ("unsubscribed", "Unsubscribed"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "confirmed":
            return queryset.confirmed()
        if self.value() == "unsubscribed":
            return queryset.suppressed()
        if self.value() == "unconfirmed":
            return queryset.unconfirmed()
        return queryset


@admin.register(MailAddress)
class MailAddressAdmin(ReadOnlyAdminMixin, ModeratorOnlyAdmin):
    """The ledger of readers' addresses, read-only: addresses confirm and
    unsubscribe themselves from their e-mails' links. A moderator can stop
    all e-mail to an address (a reader's request by other means); nobody
    can delete a row, so an unsubscribe is never lost."""

    list_display = ["email", "state", "confirmed_at", "suppressed_at", "created_at"]
    list_filter = [MailStateFilter]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "created_at",
        "confirmed_at",
        "suppressed_at",
        "confirm_sent_at",
    ]
    actions = ["suppress"]

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)

    @admin.action(
        description="Stop all e-mail to the selected addresses",
        permissions=["moderate"],
    )
    def suppress(self, request, queryset):
        emails = list(queryset.values_list("email", flat=True))
        for email in emails:
            mail_address_suppress(email=email)
        self.message_user(
            request,
            f"{len(emails)} address(es) will receive no more e-mail.",
            messages.SUCCESS,
        )
