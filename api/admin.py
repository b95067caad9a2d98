"""API keys in the admin: issued (the key shown once), renamed, given
another role, revoked; never deleted (the stories and log entries made with
a key keep naming it)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from articles.models import can_publish

from . import services
from .models import ApiKey


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
        response = TemplateResponse(
            request,
            "admin/api/apikey/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "key": obj,
                "token": token,
                "title": f"The key for {obj.name}",
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(key=key, by=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
