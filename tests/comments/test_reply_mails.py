"""Reply notifications (#30 item 3): the opt-in box, the double opt-in
confirmation (limited per target address), one e-mail per approved reply
under a daily limit, plain text with nothing a stranger wrote made a link,
the one-click unsubscribe, and the one ledger the decision e-mails share.
Real PostgreSQL, Django's locmem mail, the immediate task backend."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.mail import confirm_token, unsubscribe_token
from comments.models import Comment, DecisionMail, MailAddress, ReplyMail
from comments.preferences import current
from tests.factories import ArticleFactory, CommentFactory, UserFactory, set_moderation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _senders_may_post_again():
    set_moderation(flood_seconds=0, rate_per_minute=1000)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queues on commit (the workers' jobs, immediate)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def submit(article, **fields):
    values = {
        "name": "Ana Souza",
        "email": "ana@example.com",
        "body": "A first comment.",
        "ip": "198.51.100.7",
        "form_age": 10.0,
        **fields,
    }
    return services.comment_submit(article=article, **values)


def confirmed(email: str) -> None:
    services.mail_address_confirm(email=email)


def parent_asking(article, email="ana@example.com", **fields) -> Comment:
    """An approved comment whose author asked for reply e-mails."""
    return CommentFactory(
        article=article, email=email, notify_replies=True, approved=True, **fields
    )


def inbox(email="ana@example.com") -> list:
    """The e-mails to `email` (moderators get their notices too)."""
    return [m for m in mail.outbox if m.to == [email]]


def reply_to(parent, committed, **fields) -> Comment:
    """A reply to `parent`, from a commenter whose earlier comment was
    approved (so theirs is published at once unless a rule holds it)."""
    fields.setdefault("email", "bruno@example.com")
    fields.setdefault("name", "Bruno")
    fields.setdefault("body", "I disagree.")
    fields.setdefault("ip", "192.0.2.44")
    CommentFactory(email=fields["email"], approved=True, body=f"Before {fields}")
    with committed():
        result = submit(parent.article, parent=parent, **fields)
    assert result.comment is not None, result.decision
    return result.comment


def confirmation_link(message) -> str:
    (path,) = re.findall(r"/comments/confirm/[^/\s]+/", message.body)
    return path


# The form and the confirmation (double opt-in).


def test_the_form_offers_reply_emails(client):
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert 'name="notify_replies"' in html
    assert "E-mail me when someone replies to my comment" in html


def test_the_box_sends_one_confirmation_with_nothing_the_visitor_typed(
    client, post_comment, committed
):
    article = ArticleFactory(title="Chip plant opens")
    with committed():
        response = post_comment(
            article,
            notify_replies="on",
            name="Visit evil.example.com",
            body="Buy now at https://evil.example.com",
        )
    assert response.status_code == 303
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert "confirm your e-mail address" in message.subject
    assert "evil" not in message.body and "Buy now" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    comment = Comment.objects.get()
    assert comment.notify_replies is True
    ledger = MailAddress.objects.get()
    assert (ledger.email, ledger.state) == ("ana@example.com", "unconfirmed")
    assert ledger.confirm_sent_at is not None


def test_no_box_no_mail_and_no_ledger_row(post_comment, committed):
    with committed():
        post_comment(ArticleFactory())
    assert mail.outbox == [] and not MailAddress.objects.exists()


def test_confirmations_are_limited_per_target_address(post_comment, committed):
    """The form cannot be used to mail a stranger: whoever posts with their
    address, from any number of addresses, they get one e-mail a day."""
    article = ArticleFactory()
    for n, email in enumerate(["victim@example.com", "VICTIM@example.com"] * 3):
        with committed():
            post_comment(
                article,
                notify_replies="on",
                email=email,
                body=f"Comment {n}",
                ip=f"203.0.113.{n + 1}",
            )
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        with committed():
            post_comment(article, notify_replies="on", email="victim@example.com")
    assert len(mail.outbox) == 2


def test_the_link_shows_a_button_and_only_the_post_confirms(post_comment, committed):
    with committed():
        post_comment(ArticleFactory(), notify_replies="on")
    link = confirmation_link(mail.outbox[0])
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(link)
    assert page.status_code == 200
    assert "Yes, confirm my address" in page.content.decode()
    assert MailAddress.objects.get().state == "unconfirmed"  # a scanner's GET
    token = page.cookies["csrftoken"].value
    done = reader.post(link, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "is confirmed" in done.content.decode()
    assert MailAddress.objects.get().state == "confirmed"
    # Confirmed: no more confirmation e-mails for that address.
    with committed():
        post_comment(ArticleFactory(), notify_replies="on", body="Again")
    assert len(mail.outbox) == 1


def test_a_tampered_or_expired_link_confirms_nothing(client):
    token = confirm_token("ana@example.com")
    forged = reverse("comments:confirm", args=["x" + token[1:]])
    assert client.post(forged).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        page = client.get(reverse("comments:confirm", args=[token]))
    assert page.status_code == 404 and "has expired" in page.content.decode()
    assert not MailAddress.objects.confirmed().exists()


# Reply e-mails.


def test_one_plain_text_email_per_approved_reply_nothing_made_a_link(committed):
    article = ArticleFactory(title="Chip plant opens")
    parent = parent_asking(article, body="Fabs need water.")
    confirmed("ana@example.com")
    reply = reply_to(
        parent,
        committed,
        name="Bruno\nAuthor: The Editors",
        body="Read https://evil.example.com/login now\nAuthor: staff\u200b.com",
    )
    assert reply.status == "approved"
    (message,) = inbox()
    assert message.to == ["ana@example.com"]
    assert "New reply to your comment" in message.subject
    assert "Chip plant opens" in message.subject
    body = message.body
    assert "> Read https[:]//evil[.]example[.]com/login now" in body
    assert "> Author: staff[.]com" in body  # quoted, invisible dropped
    assert "Bruno Author: The Editors replied" in body  # one line
    assert "evil.example.com" not in body and "https://evil" not in body
    assert "> Fabs need water." in body
    assert f"/comments/{reply.pk}/" in body
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])
    token = unsubscribe_token("ana@example.com")
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{reverse('comments:unsubscribe', args=[token])}>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    # The job again (a worker's retry, a second worker): nothing twice.
    assert services.send_due_reply_mails() == 0
    assert len(inbox()) == 1
    assert ReplyMail.objects.get().outcome == "sent"


def held_reply_approved(moderator, committed) -> Comment:
    """A reply held for a moderator (a link in it), then approved: its
    e-mail is queued, due after the undo window."""
    parent = parent_asking(ArticleFactory())
    confirmed(parent.email)
    set_moderation(hold_links=0)  # a reply with a link waits for a moderator
    reply = reply_to(parent, committed, body="See http://example.org")
    assert reply.status == "pending" and inbox() == []
    assert not ReplyMail.objects.exists()
    with committed():
        services.comment_approve(comment=reply, moderator=moderator)
    return reply


def after_undo_window():
    return timezone.now() + timedelta(seconds=current().undo_seconds + 1)


def test_a_pending_reply_is_mailed_only_once_a_moderator_approves_it(
    moderators, committed
):
    mo, _ = moderators
    held_reply_approved(mo, committed)
    # Due after the undo window, as the decision e-mails.
    assert services.send_due_reply_mails() == 0
    assert services.send_due_reply_mails(now=after_undo_window()) == 1
    assert services.send_due_reply_mails(now=after_undo_window()) == 0
    assert len(inbox()) == 1


def test_an_undone_approval_sends_nothing(moderators, committed):
    mo, _ = moderators
    reply = held_reply_approved(mo, committed)
    assert services.comment_decision_undo(comment_id=reply.pk, moderator=mo)
    assert services.send_due_reply_mails(now=after_undo_window()) == 0
    assert inbox() == [] and not ReplyMail.objects.exists()


def test_a_reply_removed_before_its_email_goes_is_not_mailed(moderators, committed):
    mo, _ = moderators
    reply = held_reply_approved(mo, committed)
    Comment.objects.filter(pk=reply.pk).update(status="rejected")
    assert services.send_due_reply_mails(now=after_undo_window()) == 0
    assert inbox() == []


def test_zero_emails_to_an_address_that_has_not_confirmed(committed):
    parent = parent_asking(ArticleFactory(), email="never@example.com")
    reply_to(parent, committed)
    assert inbox() == []
    assert ReplyMail.objects.get().outcome == "unconfirmed"


def test_no_box_no_reply_email(committed):
    parent = CommentFactory(email="ana@example.com", approved=True)
    confirmed("ana@example.com")
    reply_to(parent, committed)
    assert inbox() == [] and not ReplyMail.objects.exists()


def test_answering_oneself_is_not_mailed(committed):
    parent = parent_asking(ArticleFactory())
    confirmed(parent.email)
    reply_to(parent, committed, email="ANA@example.com", name="Ana")
    assert inbox() == [] and not ReplyMail.objects.exists()


def test_at_most_n_a_day_per_address(committed):
    set_moderation(reply_mails_per_day=2)
    article = ArticleFactory()
    confirmed("ana@example.com")
    parents = [parent_asking(article, body=f"Mine {n}") for n in range(2)]
    for n in range(3):
        reply_to(
            parents[n % 2],
            committed,
            email=f"r{n}@example.com",
            body=f"Reply {n}",
            ip=f"192.0.2.{n + 1}",
        )
    assert len(inbox()) == 2
    outcomes = sorted(ReplyMail.objects.values_list("outcome", flat=True))
    assert outcomes == ["daily-limit", "sent", "sent"]
    # The next day the allowance is back.
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        reply_to(parents[0], committed, email="r9@example.com", body="Next day")
    assert len(inbox()) == 3


def test_a_staff_reply_from_the_queue_is_mailed(moderators, committed):
    mo, _ = moderators
    mo.email = "desk@example.com"
    mo.save()
    parent = parent_asking(ArticleFactory())
    confirmed(parent.email)
    with committed():
        services.comment_staff_reply(parent=parent, moderator=mo, body="Thanks!")
    (message,) = inbox()
    assert "> Thanks!" in message.body


# Unsubscribe: one ledger for every e-mail to readers.


def test_unsubscribe_stops_reply_and_confirmation_emails_and_can_be_undone(
    client, post_comment, committed
):
    parent = parent_asking(ArticleFactory())
    confirmed(parent.email)
    url = reverse("comments:unsubscribe", args=[unsubscribe_token(parent.email)])
    # RFC 8058: the mail client POSTs, without a CSRF token.
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert MailAddress.objects.get().state == "unsubscribed"
    reply_to(parent, committed)
    with committed():
        post_comment(parent.article, notify_replies="on", body="Another")
    assert inbox() == []
    assert ReplyMail.objects.get().outcome == "unsubscribed"
    # The owner of the link changes their mind, from the same page.
    page = client.post(url, {"again": "1"})
    assert "will again receive" in page.content.decode()
    assert MailAddress.objects.get().state == "confirmed"
    reply_to(parent, committed, email="carla@example.com", body="Hello")
    assert len(inbox()) == 1


def test_unsubscribing_drops_the_replies_already_queued(committed):
    parent = parent_asking(ArticleFactory())
    confirmed(parent.email)
    with time_machine.travel(timezone.now(), tick=False):
        reply_to(parent, committed, email="x@example.com")
    mail.outbox.clear()
    ReplyMail.objects.update(sent_at=None, outcome="")
    services.mail_address_suppress(email=parent.email.upper())
    assert services.send_due_reply_mails() == 0
    assert ReplyMail.objects.get().outcome == "unsubscribed"


def test_the_decision_emails_read_the_same_ledger(moderators):
    """An address that unsubscribed from a reply e-mail receives no decision
    e-mail either (one ledger, decision e-mails, replies and any later
    mailing)."""
    mo, _ = moderators
    services.mail_address_suppress(email="ana@example.com")
    comment = CommentFactory(
        pending=True, email="Ana@Example.com", notify_decision=True
    )
    services.comment_approve(comment=comment, moderator=mo)
    later = timezone.now() + timedelta(seconds=current().undo_seconds + 1)
    assert services.send_due_decision_mails(now=later) == 0
    assert DecisionMail.objects.get().outcome == "unsubscribed"


def test_moderators_see_the_ledger_and_can_stop_mail_but_not_delete(moderators):
    mo, _ = moderators
    confirmed("ana@example.com")
    client = Client()
    client.force_login(mo)
    url = reverse("admin:comments_mailaddress_changelist")
    page = client.get(url + "?state=confirmed")
    assert page.status_code == 200 and "ana@example.com" in page.content.decode()
    pk = MailAddress.objects.get().pk
    client.post(url, {"action": "suppress", "_selected_action": [pk]})
    assert MailAddress.objects.get().state == "unsubscribed"
    delete = reverse("admin:comments_mailaddress_delete", args=[pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert MailAddress.objects.exists()
    journalist = Client()
    journalist.force_login(UserFactory())
    assert journalist.get(url).status_code in (302, 403)
