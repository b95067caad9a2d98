"""Newsletters in the admin: the lists offered (editors), and who is
subscribed (counts; addresses for those who may see them)."""

from django.contrib import admin
from django.db.models import Count, Q

from .models import Newsletter, Subscriber, Subscription


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
