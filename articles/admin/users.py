"""Staff accounts: roles, and a password reset link sent on request."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import (
    Http404,
    HttpResponseRedirect,
)
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import accounts

User = get_user_model()


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    change_form_template = "admin/auth/user/change_form_with_link.html"

    def get_urls(self):
        return [
            path(
                "<id>/password-link/",
                self.admin_site.admin_view(require_POST(self.password_link_view)),
                name="auth_user_password_link",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_send_password_link"] = obj is not None and (
            accounts.may_send_password_link(request.user, obj)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def password_link_view(self, request, id):
        """POST: e-mail this account a link to set its password."""
        user = self.get_object(request, id)
        if user is None or not self.has_view_permission(request, user):
            raise Http404("No such account")
        change = reverse("admin:auth_user_change", args=[user.pk])
        try:
            accounts.password_link_send(user=user, sender=request.user, request=request)
        except accounts.SetPasswordLinkRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(change)
        note = (
            ""
            if user.is_staff
            else (
                " This account has no staff rights yet: it can set a password but "
                "not sign in to the back office until an administrator gives it a role."
            )
        )
        self.message_user(
            request,
            f"A link to set a password was sent to {user.email}.{note}",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change)
