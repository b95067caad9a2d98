"""The e-mail telling a commenter what a moderator decided.

The address was never verified, so the message carries nothing anyone else
wrote: fixed words, the commenter's own comment, the reason the moderator
picked, the story's title and address, and a link to stop these e-mails."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext


def site_url(path: str) -> str:
    """`path` as an address outside the site (e-mails): NEWSROOM_BASE_URL +
    path (the path alone when the base is not set, in development)."""
    return settings.NEWSROOM_BASE_URL.rstrip("/") + path


UNSUBSCRIBE_SALT = "comments.decision-mail-opt-out"


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_email(token: str) -> str | None:
    """The address a link was made for, or None if it was tampered with."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def decision_message(mail) -> EmailMessage:
    comment = mail.comment
    article = comment.article
    unsubscribe = site_url(
        reverse("comments:unsubscribe", args=[unsubscribe_token(comment.email)])
    )
    with translation.override(settings.LANGUAGE_CODE):
        if mail.status == "approved":
            subject = gettext("Your comment was published")
            opening = gettext("A moderator approved your comment on “%(title)s”:")
        else:
            subject = gettext("Your comment was not published")
            opening = gettext(
                "A moderator did not publish your comment on “%(title)s”:"
            )
        lines = [
            opening % {"title": article.title},
            "",
            *(f"> {line}" for line in comment.body.splitlines()),
            "",
        ]
        if mail.reason:
            lines += [gettext("Reason: %(reason)s") % {"reason": mail.reason}, ""]
        lines += [
            site_url(article.get_absolute_url()),
            "",
            gettext(
                "You asked for this e-mail when you posted. To receive no more "
                "of them: %(link)s"
            )
            % {"link": unsubscribe},
        ]
    return EmailMessage(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] {subject}",
        body="\n".join(lines) + "\n",
        to=[comment.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
