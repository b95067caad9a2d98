"""Mail that gets through or says so: an e-mail the mail server does not
take (a real SMTP client against a port nothing listens on) is tried again
after a pause, and after its last try the moderation desk shows it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import services
from comments.models import (
    Comment,
    CommentSurge,
    DecisionMail,
    MailAddress,
    MailFailure,
    ReplyMail,
)
from comments.tasks import (
    MAIL_RETRY_SECONDS,
    notify_moderators,
    send_confirmation_mail,
    surge_alert,
)
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    port = free_port()  # nothing listens there
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    return port


@pytest.fixture
def queued_tasks(settings):
    """The database task backend, as the cluster runs it (it can wait)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def moderator(roles):
    return UserFactory(username="mod", groups="Moderator", email="mod@example.com")


def test_a_refused_notice_is_tried_again_later_with_the_same_comments(
    moderator, smtp_down, queued_tasks
):
    CommentFactory(pending=True, body="Waiting for a moderator")
    assert notify_moderators.call() == 0
    (again,) = DBTaskResult.objects.filter(task_path__endswith="notify_moderators")
    assert again.args_kwargs["kwargs"] == {"attempt": 2}
    assert again.run_after >= timezone.now() + timedelta(
        seconds=MAIL_RETRY_SECONDS[0] - 5
    )
    assert not MailFailure.objects.exists()


def test_after_the_last_try_the_desk_shows_it(
    client, moderator, smtp_down, queued_tasks
):
    CommentFactory(pending=True)
    last = len(MAIL_RETRY_SECONDS) + 1
    assert notify_moderators.call(attempt=last) == 0
    (failure,) = MailFailure.objects.all()
    assert failure.attempts == last and "moderators' notice" in failure.what
    client.force_login(moderator)
    desk = client.get("/admin/comments/comment/desk/").content.decode()
    assert "E-mail not sent: the moderators&#x27; notice" in desk


def test_without_a_task_backend_that_waits_the_failure_is_shown_at_once(
    moderator, smtp_down
):
    CommentFactory(pending=True)
    assert notify_moderators.call() == 0
    assert MailFailure.objects.count() == 1


def test_a_surge_alert_not_sent_can_be_claimed_again(
    moderator, smtp_down, queued_tasks
):
    surge = CommentSurge.objects.create(article=ArticleFactory(), peak=30)
    assert surge_alert.call(surge.pk) == 0
    surge.refresh_from_db()
    assert surge.alerted_at is None
    assert DBTaskResult.objects.filter(task_path__endswith="surge_alert").exists()


def test_a_decision_mail_not_sent_is_due_again_then_given_up(moderator, smtp_down):
    comment = CommentFactory(pending=True, email="ana@example.com")
    services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status="approved",
        moderator=moderator,
    )
    DecisionMail.objects.create(
        comment=comment, status="approved", due_at=timezone.now()
    )
    now = timezone.now()
    for attempt in range(1, len(MAIL_RETRY_SECONDS) + 1):
        assert services.send_due_decision_mails(now=now) == 0
        decision = DecisionMail.objects.get()
        assert (decision.sent_at, decision.attempts) == (None, attempt)
        now = decision.due_at
    assert services.send_due_decision_mails(now=now) == 0
    decision = DecisionMail.objects.get()
    assert decision.outcome == "failed" and decision.sent_at is not None
    assert MailFailure.objects.get().what.startswith("the decision e-mail")
    assert mail.outbox == []


def test_a_reply_mail_not_sent_is_due_again_then_given_up(smtp_down):
    """The mail server down: a reply e-mail is due again after each pause
    (never marked sent), then given up and shown on the desk."""
    article = ArticleFactory()
    parent = CommentFactory(
        article=article, email="ana@example.com", notify_replies=True
    )
    services.mail_address_confirm(email="ana@example.com")
    reply = CommentFactory(article=article, parent=parent, email="bo@example.com")
    ReplyMail.objects.create(
        reply=reply, email="ana@example.com", due_at=timezone.now()
    )
    now = timezone.now()
    for attempt in range(1, len(MAIL_RETRY_SECONDS) + 1):
        assert services.send_due_reply_mails(now=now) == 0
        queued = ReplyMail.objects.get()
        assert (queued.sent_at, queued.attempts) == (None, attempt)
        now = queued.due_at
    assert services.send_due_reply_mails(now=now) == 0
    queued = ReplyMail.objects.get()
    assert queued.outcome == "failed" and queued.sent_at is not None
    assert MailFailure.objects.get().what == f"the reply e-mail for comment #{reply.pk}"


def test_a_confirmation_not_sent_may_be_asked_for_again(smtp_down):
    """The mail server down: the address's claim is given back, so the
    next post with the box ticked queues a confirmation again."""
    assert services.mail_confirmation_request(email="ana@example.com") is True
    assert send_confirmation_mail.call("ana@example.com") == 0
    assert MailAddress.objects.get().confirm_sent_at is None
    assert MailFailure.objects.get().what.startswith("a confirmation e-mail")
