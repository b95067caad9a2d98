"""The confirmation e-mail of a newsletter sign-up: fixed words, the
newsletters' names and the site's links; nothing a visitor typed."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from comments.mail import site_url

from . import tokens


def confirmation_message(email: str, newsletters, replaces: str = "") -> EmailMessage:
    token = tokens.confirm_token(email, [n.pk for n in newsletters], replaces)
    confirm = site_url(reverse("newsletters:confirm", args=[token]))
    site = settings.NEWSROOM_SITE_NAME
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            gettext("Someone, we hope you, asked %(site)s to send this address:")
            % {"site": site},
            "",
            *[f"  - {n.name}" for n in newsletters],
            "",
            gettext("To confirm, open this link and press the button:"),
            confirm,
            "",
            gettext(
                "If it was not you, ignore this e-mail: nothing will be sent "
                "to you unless you confirm."
            ),
        ]
        subject = gettext("Please confirm your subscription")
    return EmailMessage(
        subject=f"[{site}] {subject}",
        body="\n".join(lines) + "\n",
        to=[email],
        headers={"Auto-Submitted": "auto-generated"},
    )
