"""Staff accounts' passwords: the self-service reset and an editor's
set-password link.

Django's own password reset views and tokens (one use: a token is bound to
the password it resets and to the last login, so it dies once used), mailed
through the site's mail with links at NEWSROOM_BASE_URL (never the Host a
request names), limited per e-mail address and per client address.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from infra.clientip import client_ip
from infra.siteurl import site_url

from . import audit
from .models import can_publish, person_name

RESET_WINDOW_SECONDS = 60 * 60


def over_limit(kind: str, value: str, limit: int) -> bool:
    """Count one more request for `value` (an address, an e-mail) in this
    hour's window; True once past `limit`. Kept in the shared cache."""
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}"
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, RESET_WINDOW_SECONDS)
        count = 1
    return count > limit


def _link_context() -> dict:
    """Where reset links point: the site's configured address."""
    base = urlsplit(settings.NEWSROOM_BASE_URL)
    if not base.netloc:
        return {}  # development: Django takes the request's own host
    return {"domain_override": base.netloc, "use_https": base.scheme == "https"}


class StaffPasswordResetForm(PasswordResetForm):
    """Only staff accounts sign in here; an account without a usable
    password (an imported author) gets no self-service link: an editor
    sends one (password_link_send). At most
    NEWSROOM_PASSWORD_RESETS_PER_EMAIL e-mails an hour to one address; the
    page says the same whether or not one was sent."""

    def get_users(self, email):
        users = super().get_users(email)
        return (u for u in users if u.is_staff)

    def send_mail(
        self, subject_template_name, email_template_name, context, *args, **kwargs
    ):
        limit = settings.NEWSROOM_PASSWORD_RESETS_PER_EMAIL
        if over_limit("email", context["email"], limit):
            return
        super().send_mail(
            subject_template_name, email_template_name, context, *args, **kwargs
        )


TOO_MANY = (
    "Too many password reset requests from your address. Please try again in "
    "an hour, or ask an editor or an administrator to send you a link."
)


class StaffPasswordResetView(PasswordResetView):
    """/admin/password_reset/: the admin's "Forgotten your password?"."""

    form_class = StaffPasswordResetForm

    def form_valid(self, form):
        if over_limit(
            "ip",
            client_ip(self.request) or "",
            settings.NEWSROOM_PASSWORD_RESETS_PER_IP,
        ):
            form.add_error("email", TOO_MANY)  # the page shows field errors only
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        form.save(
            token_generator=self.token_generator,
            request=self.request,
            **_link_context(),
        )
        return super(PasswordResetView, self).form_valid(form)


class SetPasswordLinkRefused(Exception):
    """Why a set-password link cannot be sent (said to the sender)."""


def may_send_password_link(sender, user) -> bool:
    """Editors (who may publish) and admins send links; only an admin
    sends one to an admin."""
    if not (sender.is_superuser or can_publish(sender)):
        return False
    return sender.is_superuser or not user.is_superuser


def password_link_send(*, user, sender, request=None) -> None:
    """E-mail `user` a link to set their password (also when they have
    none yet, as imported authors), on behalf of `sender`; in the audit
    log. The link is the reset one: it works once, for
    PASSWORD_RESET_TIMEOUT."""
    if not may_send_password_link(sender, user):
        raise SetPasswordLinkRefused("You may not send this account a link.")
    if not user.is_active or not user.email:
        raise SetPasswordLinkRefused(
            "This account is inactive or has no e-mail address: set one first."
        )
    if over_limit("email", user.email, settings.NEWSROOM_PASSWORD_RESETS_PER_EMAIL):
        raise SetPasswordLinkRefused(
            "A link was sent to this address several times this hour: wait "
            "before sending another."
        )
    uid = urlsafe_base64_encode(
        force_bytes(get_user_model()._meta.pk.value_to_string(user))
    )
    token = default_token_generator.make_token(user)
    link = site_url(
        reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
        request,
    )
    context = {
        "user": user,
        "sender": person_name(sender),
        "link": link,
        "site_name": settings.NEWSROOM_SITE_NAME,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] Set your password",
        message=render_to_string("registration/set_password_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    audit.record(
        sender, "password link", user, summary=f"set-password link sent to {user}"
    )
