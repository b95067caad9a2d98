"""The e-mails to commenters: a moderator's decision, the confirmation of
an address for reply notifications, and "someone replied".

A decision e-mail goes to an address never verified, so it carries nothing
anyone else wrote: fixed words, the commenter's own comment, the reason the
moderator picked, the story's title and address, and a link to stop these
e-mails. A confirmation e-mail carries nothing a visitor typed at all. A
reply e-mail goes only to a confirmed address; the reply in it is a
stranger's text, quoted and with nothing a mail client would make a link
of. Every one carries RFC 8058's one-click unsubscribe."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext

from infra.mail import ListMessage
from infra.text import one_line, unlinked


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


CONFIRM_SALT = "comments.reply-mail-confirm"
# How long a confirmation link works.
CONFIRM_MAX_AGE = 7 * 24 * 3600


def confirm_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=CONFIRM_SALT, compress=True)


def confirm_email(token: str) -> str | None:
    """The address a confirmation link was made for; None if it was
    tampered with or is older than CONFIRM_MAX_AGE."""
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None


def _unsubscribe_url(email: str) -> str:
    return site_url(reverse("comments:unsubscribe", args=[unsubscribe_token(email)]))


def _message(*, subject: str, lines: list[str], to: str) -> ListMessage:
    """A plain-text e-mail from the site with the one-click unsubscribe
    headers (RFC 8058) for `to`."""
    unsubscribe = _unsubscribe_url(to)
    return ListMessage(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] {subject}",
        body="\n".join(lines) + "\n",
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def quoted_lines(text: str) -> list[str]:
    """A reader's text behind "> ", each line, so no line of it can pass for
    one of the e-mail's own."""
    return [f"> {line}" for line in text.splitlines() or [""]]


def confirmation_message(email: str) -> EmailMessage:
    """The double opt-in e-mail: fixed words and two links of the site's."""
    confirm = site_url(reverse("comments:confirm", args=[confirm_token(email)]))
    site = settings.NEWSROOM_SITE_NAME
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            gettext(
                "Someone, we hope you, asked %(site)s to e-mail this address "
                "when readers reply to their comments."
            )
            % {"site": site},
            "",
            gettext("To confirm, open this link and press the button:"),
            confirm,
            "",
            gettext(
                "If it was not you, ignore this e-mail: nothing will be sent "
                "to you unless you confirm. To receive no e-mail from us at "
                "all: %(link)s"
            )
            % {"link": _unsubscribe_url(email)},
        ]
        subject = gettext("Please confirm your e-mail address")
    return _message(subject=subject, lines=lines, to=email)


def reply_message(mail) -> EmailMessage:
    """ "Someone replied to your comment": the reply as plain text, quoted
    and unlinked, a link to it on the site and the unsubscribe link."""
    reply = mail.reply
    parent = reply.parent
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            gettext("%(name)s replied to your comment on “%(title)s”:")
            % {"name": unlinked(one_line(reply.name)), "title": reply.article.title},
            "",
            *quoted_lines(unlinked(reply.body)),
            "",
            gettext("Your comment:"),
            *quoted_lines(unlinked(Truncator(parent.body).chars(300))),
            "",
            gettext("Read the reply and answer it on the site:"),
            site_url(reply.get_absolute_url()),
            "",
            gettext(
                "You asked for these e-mails when you posted. To receive no "
                "more e-mails from us: %(link)s"
            )
            % {"link": _unsubscribe_url(mail.email)},
        ]
        subject = gettext("New reply to your comment on “%(title)s”") % {
            "title": reply.article.title
        }
    return _message(subject=subject, lines=lines, to=mail.email)


def decision_message(mail) -> EmailMessage:
    comment = mail.comment
    article = comment.article
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
            *quoted_lines(comment.body),
            "",
        ]
        if mail.reason:
            lines += [gettext("Reason: %(reason)s") % {"reason": mail.reason}, ""]
        lines += [
            site_url(article.get_absolute_url()),
            "",
            gettext(
                "You asked for this e-mail when you posted. To receive no "
                "more e-mails from us: %(link)s"
            )
            % {"link": _unsubscribe_url(comment.email)},
        ]
    return _message(subject=subject, lines=lines, to=comment.email)
