"""Newsletters in the admin: the lists offered (editors), and who is
subscribed (counts; addresses for those who may see them)."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html_join

from . import sending
from .models import Delivery, Newsletter, Send, Subscriber, Subscription


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "section", "active", "confirmed", "position")
    list_editable = ("active", "position")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count(
                    "subscriptions",
                    filter=Q(subscriptions__confirmed_at__isnull=False),
                )
            )
        )

    @admin.display(description="Confirmed subscribers", ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ("newsletter", "asked_at", "confirmed_at", "consent")
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # readers subscribe themselves (or an import does)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at")
    search_fields = ("email",)
    list_filter = ("subscriptions__newsletter",)
    readonly_fields = ("email", "created_at", "confirm_sent_at")
    inlines = [SubscriptionInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    """An edition: written (or composed, later, by the briefing), tested
    on oneself, sent; its progress while it goes."""

    list_display = ("subject", "newsletter", "status", "started_at", "finished_at")
    list_filter = ("newsletter", "status")
    fields = ("newsletter", "subject", "text", "html", "status", "progress")
    readonly_fields = ("status", "progress")
    actions = ["send_test", "send_now"]

    @admin.display(description="Progress")
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        counts = sending.progress(obj)
        total = sum(counts.values())
        return format_html_join(
            ", ",
            "{}: {}",
            [(Delivery.Status(k).label, v) for k, v in counts.items() if v]
            + [("Recipients", total)],
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Send.Status.DRAFT:
            fields += ["newsletter", "subject", "text", "html"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test to me", permissions=["change"])
    def send_test(self, request, queryset):
        if not request.user.email:
            self.message_user(
                request, "Your account has no e-mail address.", messages.ERROR
            )
            return
        for send in queryset:
            sending.send_test(send=send, email=request.user.email)
        self.message_user(request, f"Sent to {request.user.email}.", messages.SUCCESS)

    @admin.action(
        description="Send now to every confirmed subscriber", permissions=["change"]
    )
    def send_now(self, request, queryset):
        for send in queryset.filter(status=Send.Status.DRAFT):
            count = sending.send_start(send=send, by=request.user)
            self.message_user(
                request,
                f"“{send.subject}”: sending to {count} subscriber(s).",
                messages.SUCCESS,
            )
