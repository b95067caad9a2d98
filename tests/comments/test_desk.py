"""The moderation desk (#16): undo, reasons and the commenter's decision
e-mail, claims, surge guard, quiet hours, legal hold, staff replies, the
history panel and the dashboard. Real PostgreSQL, Django's locmem mail."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import AuditEntry
from comments import services
from comments.mail import unsubscribe_token
from comments.models import (
    Comment,
    CommentClaim,
    CommentDecision,
    CommentSurge,
    DecisionMail,
    LegalHold,
    ModerationReason,
)
from comments.preferences import current
from tests.factories import ArticleFactory, CommentFactory, UserFactory, set_moderation

pytestmark = pytest.mark.django_db
QUEUE = "/admin/comments/comment/"


@pytest.fixture(autouse=True)
def _senders_may_post_again(settings):
    """These tests post several comments from one address in a row: the
    flood and rate rules have their own tests."""
    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=1000)


@pytest.fixture
def editor(roles):
    return UserFactory(username="ed", groups="Editor")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(article, **fields):
    """A comment through the real policy and insert (one per sender)."""
    n = Comment.objects.count()
    values = {
        "article": article,
        "name": "Reader",
        "email": f"reader{n}@example.com",
        "body": f"Comment {n} on the story.",
        "ip": f"198.51.100.{n % 250 + 1}",
        "form_age": 30.0,
        **fields,
    }
    return services.comment_submit(**values)


def decide(client, comment, verb, **data):
    return client.post(
        reverse("admin:comments_comment_decide", args=[comment.pk, verb]),
        data,
        HTTP_ACCEPT="application/json",
    )


# Decisions, undo and reasons.


def test_a_decision_answers_json_and_undo_puts_it_back(moderators):
    mo, _ = moderators
    comment = submit(ArticleFactory()).comment
    assert (comment.status, comment.rule) == ("pending", "default")
    client = client_for(mo)
    answer = decide(client, comment, "approve").json()
    assert answer["ok"] and answer["status"] == "approved"
    comment.refresh_from_db()
    assert comment.status == "approved"
    undone = client.post(answer["undo"], HTTP_ACCEPT="application/json").json()
    assert undone["ok"], undone
    comment.refresh_from_db()
    assert (comment.status, comment.rule, comment.moderated_by) == (
        "pending",
        "default",
        None,
    )
    # History keeps all three steps; a second undo has nothing to undo.
    assert list(comment.decisions.values_list("rule", flat=True)) == [
        "default",
        "moderator:approved",
        "moderator:undo",
    ]
    assert not client.post(answer["undo"], HTTP_ACCEPT="application/json").json()["ok"]
    assert AuditEntry.objects.filter(action="comment undo").count() == 1


def test_undo_only_in_its_window_and_only_by_whoever_decided(moderators, settings):
    mo, lu = moderators
    comment = submit(ArticleFactory()).comment
    decide(client_for(mo), comment, "spam")
    # Another moderator cannot undo mo's decision.
    assert services.comment_decision_undo(comment_id=comment.pk, moderator=lu) is None
    # Past the window, mo cannot either.
    CommentDecision.objects.filter(comment=comment, actor=mo).update(
        created_at=timezone.now() - timedelta(seconds=current().undo_seconds + 1)
    )
    assert services.comment_decision_undo(comment_id=comment.pk, moderator=mo) is None
    comment.refresh_from_db()
    assert comment.status == "spam"


def test_reject_with_a_reason_and_the_commenters_email(moderators, settings):
    mo, _ = moderators
    article = ArticleFactory(title="Chip plant opens")
    comment = submit(
        article,
        body="My <b>own</b> words.",
        notify_decision=True,
        email="Ana@Example.com",
    ).comment
    reason = ModerationReason.objects.get(code="off-topic")
    decide(client_for(mo), comment, "reject", reason=reason.pk)
    comment.refresh_from_db()
    assert (comment.status, comment.reason) == ("rejected", reason)
    # Not before the undo window has passed.
    assert services.send_due_decision_mails() == 0
    later = timezone.now() + timedelta(seconds=current().undo_seconds + 1)
    assert services.send_due_decision_mails(now=later) == 1
    assert services.send_due_decision_mails(now=later) == 0  # at most once
    (message,) = mail.outbox
    assert message.to == ["Ana@Example.com"]
    assert "not published" in message.subject
    assert "> My <b>own</b> words." in message.body
    assert reason.label in message.body
    assert "Chip plant opens" in message.body
    token = unsubscribe_token("ana@example.com")
    assert reverse("comments:unsubscribe", args=[token]) in message.body
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    # Nothing else anyone wrote: not the commenter's name, not other comments.
    assert "Reader" not in message.body


def test_undo_holds_the_email_back(moderators, settings):
    mo, _ = moderators
    comment = submit(ArticleFactory(), notify_decision=True).comment
    answer = decide(client_for(mo), comment, "approve").json()
    assert DecisionMail.objects.filter(comment=comment).exists()
    client_for(mo).post(answer["undo"])
    later = timezone.now() + timedelta(seconds=current().undo_seconds + 1)
    assert services.send_due_decision_mails(now=later) == 0
    assert mail.outbox == []


def test_no_email_without_consent_and_at_most_one_a_day(moderators, settings):
    mo, _ = moderators
    article = ArticleFactory()
    silent = submit(article, notify_decision=False).comment
    first = submit(article, notify_decision=True, email="x@example.com").comment
    second = submit(
        article, notify_decision=True, email="X@example.com", ip="192.0.2.9"
    ).comment
    for comment in (silent, first, second):
        decide(client_for(mo), comment, "approve")
    later = timezone.now() + timedelta(seconds=current().undo_seconds + 1)
    assert services.send_due_decision_mails(now=later) == 1
    assert len(mail.outbox) == 1
    outcomes = dict(DecisionMail.objects.values_list("comment_id", "outcome"))
    assert outcomes == {first.pk: "sent", second.pk: "daily-limit"}


def test_a_trusted_commenters_approved_comment_asks_for_no_email(moderators):
    article = ArticleFactory()
    CommentFactory(article=article, email="old@example.com", approved=True)
    result = submit(article, email="old@example.com", notify_decision=True)
    assert result.comment.status == "approved"
    assert result.comment.notify_decision is False  # nothing will be decided


def test_unsubscribe_page_then_one_click_post(client, moderators, settings):
    token = unsubscribe_token("Ana@example.com")
    url = reverse("comments:unsubscribe", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Stop these e-mails" in page.content.decode()
    assert client.get(url.replace(token[:6], "xxxxxx")).status_code == 404
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    mo, _ = moderators
    comment = submit(ArticleFactory(), email="ana@EXAMPLE.com", notify_decision=True)
    decide(client_for(mo), comment.comment, "approve")
    later = timezone.now() + timedelta(seconds=current().undo_seconds + 1)
    assert services.send_due_decision_mails(now=later) == 0
    assert DecisionMail.objects.get().outcome == "unsubscribed"


def test_the_form_asks_for_consent(client):
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'name="notify"' in html
    assert "E-mail me once when a moderator approves or rejects" in html


# Claims.


def test_a_moderators_page_is_claimed_and_the_other_sees_it(moderators, settings):
    mo, lu = moderators
    comments = CommentFactory.create_batch(3, pending=True)
    client_for(mo).get(QUEUE + "?status__exact=pending")
    assert set(CommentClaim.objects.values_list("comment_id", flat=True)) == {
        c.pk for c in comments
    }
    html = client_for(lu).get(QUEUE + "?status__exact=pending").content.decode()
    assert html.count('data-claimed-by="Mo Reis"') == 3
    assert AuditEntry.objects.filter(action="claim", actor=mo).count() == 1
    # A claim expires by itself: then the other moderator takes the rows.
    CommentClaim.objects.update(until=timezone.now() - timedelta(seconds=1))
    html = client_for(lu).get(QUEUE + "?status__exact=pending").content.decode()
    assert "Claimed by" not in html
    assert set(CommentClaim.objects.values_list("moderator", flat=True)) == {lu.pk}


def test_a_decision_releases_the_claim(moderators):
    mo, _ = moderators
    comment = CommentFactory(pending=True)
    services.comments_claim(ids=[comment.pk], moderator=mo)
    decide(client_for(mo), comment, "approve")
    assert not CommentClaim.objects.exists()


# Surge guard.


def test_surge_guard_holds_then_lifts_itself(
    moderators, settings, django_capture_on_commit_callbacks
):
    set_moderation(surge_threshold=4)
    set_moderation(surge_lift=2)
    settings.NEWSROOM_MODERATOR_EMAILS = ["desk@example.com"]
    article, other = ArticleFactory(title="Breaking story"), ArticleFactory()
    # Trusted commenters are approved at once...
    yesterday = timezone.now() - timedelta(days=1)
    for n in range(4):
        CommentFactory(
            article=other,
            email=f"t{n}@example.com",
            approved=True,
            created_at=yesterday,
        )
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            result = submit(article, email=f"t{n}@example.com")
            statuses.append((result.comment.status, result.comment.rule))
    # ...until the story's fourth comment in the window: held, rule named.
    assert statuses == [("approved", "trusted")] * 3 + [("pending", "surge")]
    surge = CommentSurge.objects.get(article=article, ended_at__isnull=True)
    assert surge.peak == 4
    assert AuditEntry.objects.filter(action="surge on").count() == 1
    alerts = [m for m in mail.outbox if "surge" in m.subject.lower()]
    assert len(alerts) == 1 and alerts[0].to == ["desk@example.com"]
    # Another story is not affected.
    assert submit(other, email="t0@example.com").comment.status == "approved"
    # The desk shows it.
    html = client_for(moderators[0]).get(reverse("admin:comments_comment_desk"))
    assert "Surge guard on" in html.content.decode()
    # The window empties: the hold lifts without any comment arriving.
    Comment.objects.filter(article=article).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert services.surges_lift_quiet() == 1
    assert CommentSurge.objects.get(pk=surge.pk).ended_at is not None
    assert AuditEntry.objects.filter(action="surge off").count() == 1
    assert submit(article, email="t1@example.com").comment.status == "approved"


# Quiet hours.


def test_quiet_hours_hold_and_the_form_says_so(client, settings):
    set_moderation(quiet_hours="mon-sun 00-24")
    article = ArticleFactory()
    CommentFactory(article=article, email="old@example.com", approved=True)
    result = submit(article, email="old@example.com")
    assert (result.comment.status, result.comment.rule) == ("pending", "quiet-hours")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "While no moderator is on shift (Mon–Sun 00:00–24:00" in html
    set_moderation(quiet_hours="")
    assert submit(article, email="old@example.com", ip="192.0.2.2").comment.status == (
        "approved"
    )


def test_quiet_hours_can_close_the_form(client, post_comment, settings):
    set_moderation(quiet_hours="mon-sun 00-24")
    set_moderation(quiet_mode="close")
    article = ArticleFactory()
    response = post_comment(article, body="Typed at night")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Comments are closed." in html and "Typed at night" in html
    assert "Comments close while no moderator is on shift" in html
    assert not Comment.objects.exists()


def test_quiet_hours_setting_is_checked():
    from django.core.exceptions import ImproperlyConfigured

    from comments.quiet import parse

    # Sunday night runs into Monday morning: those six hours count once.
    assert len(parse("mon-fri 00-07; sat,sun 22-06")) == 5 * 7 + 2 * 8 - 6
    assert (0, 3) in parse("sun 22-06")
    with pytest.raises(ImproperlyConfigured, match="cannot read 'monday 0-7'"):
        parse("monday 0-7")


# Legal hold.


def test_legal_hold_freezes_the_thread(
    client, moderators, editor, post_comment, django_capture_on_commit_callbacks
):
    mo, _ = moderators
    article = ArticleFactory(title="Court case")
    held = CommentFactory(article=article, pending=True, email="a@example.com")
    shown = CommentFactory(article=article, approved=True, email="a@example.com")
    editor_client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/articles/article/",
            {"action": "place_legal_hold", "_selected_action": [article.pk]},
        )
    assert response.status_code == 302
    assert LegalHold.objects.filter(article=article).exists()
    # Comments closed on the page; the held comment left the queue.
    response = post_comment(article, body="After the hold")
    assert response.status_code == 403 and "After the hold" in response.content.decode()
    queue = client_for(mo).get(QUEUE + "?status__exact=pending").content.decode()
    assert held.body not in queue
    # Decisions and erasure leave it alone; the IP retention job too.
    decide(client_for(mo), held, "approve")
    services.commenter_erase(email="a@example.com")
    Comment.objects.filter(article=article).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    services.comments_purge_ips()
    for comment in (held, shown):
        before = comment.status
        comment.refresh_from_db()
        assert (comment.status, comment.email, comment.ip) == (
            before,
            "a@example.com",
            "203.0.113.7",
        )
    # A superuser cannot delete a held comment either.
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client_for(admin).post(
        reverse("admin:comments_comment_delete", args=[held.pk]), {"post": "yes"}
    )
    assert Comment.objects.filter(pk=held.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/articles/article/",
            {"action": "lift_legal_hold", "_selected_action": [article.pk]},
        )
    assert not LegalHold.objects.filter(article=article).exists()
    assert list(
        AuditEntry.objects.filter(object_id=str(article.pk))
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [("legal hold", "ed"), ("legal hold lifted", "ed")]
    assert services.commenter_erase(email="a@example.com") == 2


def test_a_moderator_cannot_place_a_legal_hold(moderators):
    article = ArticleFactory()
    client_for(moderators[0]).post(
        "/admin/articles/article/",
        {"action": "place_legal_hold", "_selected_action": [article.pk]},
    )
    assert not LegalHold.objects.filter(article=article).exists()


# Reply, history, links.


def test_staff_reply_from_the_queue_approves_and_publishes(client, moderators):
    mo, _ = moderators
    comment = CommentFactory(pending=True, body="Is this confirmed?")
    url = reverse("admin:comments_comment_reply", args=[comment.pk])
    assert client_for(mo).get(url).status_code == 200
    response = client_for(mo).post(url, {"body": "Yes, by two sources.", "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    comment.refresh_from_db()
    reply = Comment.objects.get(parent=comment)
    assert comment.status == "approved"
    assert (reply.name, reply.status, reply.rule, reply.user) == (
        "Mo Reis",
        "approved",
        "staff-reply",
        mo,
    )
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert "Yes, by two sources." in html
    assert AuditEntry.objects.filter(action="comment reply").exists()


def test_history_counts_in_the_row_and_the_panel(moderators):
    mo, _ = moderators
    for status in ["approved", "approved", "rejected", "spam"]:
        CommentFactory(email="Same@Example.com", status=status)
    new = CommentFactory(pending=True, email="same@example.com")
    queue = client_for(mo).get(QUEUE + "?status__exact=pending").content.decode()
    assert '<span class="nr-ok">2 ✓</span> <span class="nr-no">1 ✗</span>' in queue
    panel = client_for(mo).get(
        reverse("admin:comments_comment_history", args=[new.pk]), {"panel": "1"}
    )
    text = panel.content.decode()
    assert "2 approved" in text and "1 spam" in text and "1 pending" in text
    assert "<html" not in text  # a fragment for the side panel


def test_a_moderators_article_link_is_the_public_page(moderators):
    comment = CommentFactory(pending=True)
    html = (
        client_for(moderators[0])
        .get(reverse("admin:comments_comment_change", args=[comment.pk]))
        .content.decode()
    )
    assert f'href="{comment.article.get_absolute_url()}"' in html
    assert f"/admin/articles/article/{comment.article_id}/change/" not in html


def test_filter_by_article_lists_the_busiest_with_counts(moderators):
    busy, quiet = ArticleFactory(title="Busy story"), ArticleFactory(title="Calm")
    CommentFactory.create_batch(3, article=busy, pending=True)
    CommentFactory(article=quiet, pending=True)
    html = client_for(moderators[0]).get(
        QUEUE, {"status__exact": "pending", "article": busy.pk}
    )
    assert len(html.context["cl"].result_list) == 3
    assert "Busy story (3)" in html.content.decode()


def test_quick_ban_from_the_keyboard(moderators):
    mo, _ = moderators
    comment = CommentFactory(pending=True, email="troll@example.com")
    other = CommentFactory(pending=True, email="troll@example.com")
    answer = client_for(mo).post(
        reverse("admin:comments_comment_ban", args=[comment.pk]),
        HTTP_ACCEPT="application/json",
    )
    assert answer.json()["ok"]
    other.refresh_from_db()
    assert other.status == "spam"


# The dashboard.


def test_dashboard_figures_and_chart(moderators, django_assert_max_num_queries):
    mo, lu = moderators
    comments = CommentFactory.create_batch(6, pending=True)
    for comment in comments[:4]:
        decide(client_for(mo), comment, "approve")
    decide(client_for(lu), comments[4], "spam")
    client = client_for(mo)
    # 18: the figures, the chart, the lists, the e-mails given up on, and
    # readers' reports (their counts, and the time to a decision).
    with django_assert_max_num_queries(18):
        response = client.get(reverse("admin:comments_comment_desk"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["pending"] == 1
    assert response.context["decided_day"] == 5
    assert [m["n"] for m in response.context["moderators"]] == [4, 1]
    assert '<svg id="nr-chart"' in html
    bars = response.context["chart"].bars
    assert len(bars) == 48 and sum(b["decided"] for b in bars) == 5
    assert sum(b["posted"] for b in bars) == 6
    assert "Mo Reis" in html


def test_the_desk_is_for_moderators_only(editor):
    assert (
        client_for(editor).get(reverse("admin:comments_comment_desk")).status_code
        == 403
    )


def test_audit_csv_has_editorial_and_moderation_rows(moderators, editor):
    from articles import services as article_services

    article = ArticleFactory(draft=True, title="Chip plant")
    article_services.article_publish(article=article, user=editor)
    comment = submit(article).comment
    decide(client_for(moderators[0]), comment, "spam")
    client = client_for(editor)
    export = client.get(reverse("admin:articles_auditentry_export"))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    actions = {row[2] for row in rows[1:]}
    assert {"publish", "comment spam"} <= actions


def test_queue_page_queries_do_not_grow_with_claims(moderators):
    mo, lu = moderators
    CommentFactory.create_batch(10, pending=True)
    client_for(lu).get(QUEUE + "?status__exact=pending")
    with CaptureQueriesContext(connection) as few:
        client_for(mo).get(QUEUE + "?status__exact=pending")
    CommentFactory.create_batch(40, pending=True)
    client_for(lu).get(QUEUE + "?status__exact=pending")
    with CaptureQueriesContext(connection) as many:
        client_for(mo).get(QUEUE + "?status__exact=pending")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_placed_holds_over_to_comments(roles):
    """A story held before the hold moved to the comments app stays held,
    with who placed it and why from the audit log."""
    from django.db.migrations.executor import MigrationExecutor

    from comments.models import is_held

    before = [("comments", "0012_moderation_settings")]
    held, free = ArticleFactory(), ArticleFactory()  # today's model, first
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0022_web_urls_only"), *before])
    old = executor.loader.project_state(
        [("articles", "0022_web_urls_only"), *before]
    ).apps
    old.get_model("articles", "Article").objects.filter(pk=held.pk).update(
        legal_hold=True
    )
    editor = UserFactory(username="ed-hold", groups="Editor")
    old.get_model("articles", "AuditEntry").objects.create(
        actor_id=editor.pk,
        action="legal hold",
        object_type="articles.article",
        object_id=str(held.pk),
        summary="held",
        detail={"reason": "court order 12/2026"},
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    hold = LegalHold.objects.get()
    assert (hold.article_id, hold.placed_by_id) == (held.pk, editor.pk)
    assert hold.reason == "court order 12/2026"
    assert is_held(held) and not is_held(free)
