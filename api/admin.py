"""The API in the admin: keys issued (the key shown once), renamed, given
another role, revoked, never deleted (the stories and log entries made
with a key keep naming it); webhooks registered (the secret shown once),
their delivery log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from articles.models import can_publish

from . import services, webhooks
from .models import ApiKey, Webhook, WebhookDelivery


def shown_once(model_admin, request, template: str, **context):
    """The page showing a key or a secret, the only time it is shown: no
    cache (the browser's included) keeps it."""
    response = TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            **context,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "prefix", "created_at", "last_used_at", "state")
    list_filter = ("role", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix")
    fields = (
        "name",
        "role",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "last_used_from",
        "revoked_at",
    )
    readonly_fields = (
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "last_used_from",
        "revoked_at",
    )
    actions = ["revoke"]

    @admin.display(description="State")
    def state(self, obj):
        return "revoked" if obj.revoked_at else "active"

    def has_delete_permission(self, request, obj=None):
        return False  # revoked instead

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.revoked_at:
            fields += ["name", "role"]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class KeyForm(form):
            def clean_role(self):
                role = self.cleaned_data["role"]
                if role == ApiKey.Role.EDITOR and not can_publish(user):
                    raise ValidationError(
                        "Only someone who may publish can issue an editor's key."
                    )
                return role

        return KeyForm

    def save_model(self, request, obj, form, change):
        if change:
            services.api_key_change(key=obj, by=request.user)
            return
        key, token = services.api_key_issue(
            name=obj.name, role=obj.role, by=request.user
        )
        obj.pk, obj.prefix, obj.user = key.pk, key.prefix, key.user
        request.issued_api_key = token  # shown once, by response_add

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "issued_api_key", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return shown_once(
            self,
            request,
            "admin/api/apikey/issued.html",
            key=obj,
            token=token,
            title=f"The key for {obj.name}",
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(key=key, by=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.resolve(url)
        except webhooks.Blocked as refused:
            raise ValidationError(str(refused)) from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "event_list", "active", "failures", "created_at")
    list_filter = ("active",)
    readonly_fields = ("disabled_reason", "failing_since", "failures", "recent")
    actions = ["rotate_secret", "enable"]

    def has_delete_permission(self, request, obj=None):
        return False  # switched off instead (untick Active): the log stays

    @admin.display(description="Events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="Recent deliveries")
    def recent(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = obj.deliveries.order_by("-created_at", "-pk")[:10]
        link = (
            reverse("admin:api_webhookdelivery_changelist")
            + f"?hook__id__exact={obj.pk}"
        )
        return format_html(
            "<ul>{}</ul><a href='{}'>Every delivery of this hook</a>",
            format_html_join(
                "",
                "<li>{} {} — {} ({} attempt(s)) {}</li>",
                (
                    (
                        f"{d.created_at:%Y-%m-%d %H:%M:%S}",
                        d.event,
                        d.get_status_display(),
                        d.attempts,
                        d.last_error,
                    )
                    for d in rows
                ),
            ),
            link,
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        hook, secret = services.webhook_register(
            name=obj.name, url=obj.url, events=obj.events, by=request.user
        )
        obj.pk = hook.pk
        request.webhook_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "webhook_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._show_secret(request, obj, secret)

    def _show_secret(self, request, hook, secret):
        return shown_once(
            self,
            request,
            "admin/api/webhook/secret.html",
            hook=hook,
            secret=secret,
            title=f"The secret of {hook.name}",
        )

    @admin.action(
        description="Rotate the signing secret (one hook)", permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one hook.", messages.ERROR)
            return None
        hook = queryset.get()
        secret = services.webhook_rotate_secret(hook=hook, by=request.user)
        return self._show_secret(request, hook, secret)

    @admin.action(description="Enable again (send what waits)", permissions=["change"])
    def enable(self, request, queryset):
        for hook in queryset:
            services.webhook_enable(hook=hook, by=request.user)
        self.message_user(request, "Enabled.", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, with "send again"."""

    list_display = (
        "created_at",
        "hook",
        "event",
        "status",
        "attempts",
        "last_status",
        "last_error",
        "due_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "hook")
    list_select_related = ("hook",)
    show_full_result_count = False
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again now", permissions=["change"])
    def send_again(self, request, queryset):
        count = services.webhook_deliveries_retry(deliveries=queryset, by=request.user)
        self.message_user(request, f"{count} delivery(ies) queued.", messages.SUCCESS)
