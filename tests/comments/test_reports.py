"""Readers report comments (Coral's "Report"): the rules, the hold at the
threshold, the moderator's decision closing reports, retention, the
Reported queue."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import AuditEntry
from comments import services
from comments.models import BannedCommenter, Comment, CommentReport
from tests.factories import CommentFactory, UserFactory, set_moderation

pytestmark = pytest.mark.django_db


def report(comment, *, ip="198.51.100.20", client=None, **fields):
    data = {"reason": "abusive", "note": "", **fields}
    return (client or Client()).post(
        reverse("comments:report", args=[comment.pk]),
        data,
        REMOTE_ADDR=ip,
        follow=True,  # an accepted report answers 303 to its thanks page
    )


@pytest.fixture
def comment():
    return CommentFactory(body="You are all idiots.", name="Troll")


@pytest.fixture
def moderator(roles):
    return UserFactory(username="mod", groups="Moderator")


def test_the_thread_offers_report_on_published_comments_only(client, comment):
    pending = CommentFactory(article=comment.article, pending=True)
    response = client.get(comment.article.get_absolute_url())
    html = response.content.decode()
    assert f'href="/comments/{comment.pk}/report/"' in html
    assert f"/comments/{pending.pk}/report/" not in html


def test_a_report_without_javascript_keeps_the_comment_published(client, comment):
    page = client.get(reverse("comments:report", args=[comment.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are all idiots." in html and 'name="reason"' in html
    response = report(comment, client=client, reason="abusive", note="Insults")
    assert response.status_code == 200
    assert "A moderator will look at this comment" in response.content.decode()
    stored = CommentReport.objects.get()
    assert (stored.comment, stored.reason, stored.note, stored.ip) == (
        comment,
        "abusive",
        "Insults",
        "198.51.100.20",
    )
    assert response.redirect_chain == [
        (reverse("comments:report", args=[comment.pk]) + "?sent=new", 303)
    ]
    cookie = client.cookies["newsroom_reporter"]
    # Scoped to /comments/: it never reaches (or bypasses) a cached page.
    assert cookie["path"] == "/comments/" and cookie["httponly"]
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    entry = AuditEntry.objects.get(action="comment reported")
    assert entry.object_id == str(comment.pk) and entry.actor is None


def test_one_report_per_comment_per_visitor_and_per_address(client, comment):
    report(comment, client=client)
    again = report(comment, client=client, ip="198.51.100.99")  # same cookie
    assert "already reported" in again.content.decode()
    other_browser = report(comment, ip="198.51.100.20")  # same address
    assert "already reported" in other_browser.content.decode()
    assert CommentReport.objects.count() == 1


def test_other_needs_a_note_and_the_form_keeps_what_was_typed(comment):
    response = report(comment, reason="other", note="")
    assert response.status_code == 400
    assert "Please say what is wrong" in response.content.decode()
    response = report(comment, reason="", note="Kept <b>text</b>")
    html = response.content.decode()
    assert response.status_code == 400 and "Please choose a reason." in html
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in html and "<b>text" not in html
    assert not CommentReport.objects.exists()


def test_enough_readers_hold_the_comment_for_a_moderator(
    comment, django_capture_on_commit_callbacks
):
    set_moderation(report_threshold=3)
    article_url = comment.article.get_absolute_url()
    for n in range(2):
        report(comment, ip=f"198.51.100.{n + 1}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        report(comment, ip="198.51.100.3", reason="spam")
    comment.refresh_from_db()
    assert (comment.status, comment.rule) == (Comment.Status.PENDING, "reports")
    assert comment.decisions.get().rule == "reports"
    assert "You are all idiots." not in Client().get(article_url).content.decode()


def test_a_comment_a_moderator_kept_is_not_held_again(comment, moderator):
    set_moderation(report_threshold=2)
    report(comment, ip="198.51.100.1")
    report(comment, ip="198.51.100.2")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=moderator,
    )
    assert not CommentReport.objects.filter(closed_at__isnull=True).exists()
    assert CommentReport.objects.filter(closed_by=moderator).count() == 2
    for n in range(3, 6):
        report(comment, ip=f"198.51.100.{n}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED  # counted, never held
    assert CommentReport.objects.filter(closed_at__isnull=True).count() == 3


def test_approving_a_reported_published_comment_keeps_it(comment, moderator):
    set_moderation(report_threshold=3)
    report(comment, ip="198.51.100.1")
    services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=moderator,
    )
    assert comment.decisions.get().rule == "moderator:kept"
    for n in range(2, 6):
        report(comment, ip=f"198.51.100.{n}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_rejecting_closes_the_reports(comment, moderator):
    report(comment)
    services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.REJECTED,
        moderator=moderator,
    )
    assert CommentReport.objects.get().closed_by == moderator


def test_no_threshold_means_reports_never_hold(comment):
    set_moderation(report_threshold=0)
    for n in range(1, 6):
        report(comment, ip=f"198.51.100.{n}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_reports_are_rate_limited_per_address():
    comments = CommentFactory.create_batch(services.REPORTS_PER_HOUR + 1)
    for c in comments[:-1]:
        assert report(c, ip="198.51.100.50").status_code == 200
    refused = report(comments[-1], ip="198.51.100.50")
    assert refused.status_code == 429
    assert "many reports" in refused.content.decode()
    assert CommentReport.objects.count() == services.REPORTS_PER_HOUR


def test_a_banned_address_cannot_report(comment):
    BannedCommenter.objects.create(ip="198.51.100.66")
    assert report(comment, ip="198.51.100.66").status_code == 403
    assert not CommentReport.objects.exists()


def test_a_cross_origin_report_is_refused(comment):
    response = Client().post(
        reverse("comments:report", args=[comment.pk]),
        {"reason": "spam"},
        HTTP_ORIGIN="https://evil.example",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 403
    assert not CommentReport.objects.exists()


def test_only_published_comments_can_be_reported(client):
    for hidden in (CommentFactory(pending=True), CommentFactory(spam=True)):
        page = client.get(reverse("comments:report", args=[hidden.pk]))
        assert page.status_code == 404
        assert report(hidden).status_code == 404
    assert not CommentReport.objects.exists()


def test_a_reporters_address_is_kept_no_longer_than_commenters(comment, settings):
    report(comment, ip="198.51.100.1")
    old = CommentReport.objects.get()
    CommentReport.objects.filter(pk=old.pk).update(
        created_at=timezone.now()
        - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS + 1)
    )
    fresh_comment = CommentFactory()
    report(fresh_comment, ip="198.51.100.2")
    erased_comment = CommentFactory(ip=None)
    report(erased_comment, ip="198.51.100.3")
    services.comments_purge_ips()
    ips = dict(CommentReport.objects.values_list("comment_id", "ip"))
    assert ips == {
        comment.pk: None,
        fresh_comment.pk: "198.51.100.2",
        erased_comment.pk: None,
    }


def test_the_reported_queue_shows_counts_and_reasons(comment, moderator):
    quiet = CommentFactory(article=comment.article, body="A fair point.")
    report(comment, ip="198.51.100.1", reason="abusive")
    report(comment, ip="198.51.100.2", reason="abusive")
    report(comment, ip="198.51.100.3", reason="spam")
    client = Client()
    client.force_login(moderator)
    url = reverse("admin:comments_comment_changelist")
    page = client.get(url, {"reported": "open"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are all idiots." in html and "A fair point." not in html
    assert "Reported 3×: Abusive or hateful ×2, Spam or advertising ×1" in html
    summary = client.get(url, {"status__exact": "pending"}).content.decode()
    assert "<strong>1</strong> reported by readers" in summary
    assert quiet.reports.count() == 0


def test_keep_in_the_reported_queue_closes_the_reports(comment, moderator):
    report(comment, ip="198.51.100.1")
    client = Client()
    client.force_login(moderator)
    page = client.get(
        reverse("admin:comments_comment_changelist"), {"reported": "open"}
    ).content.decode()
    keep = reverse("admin:comments_comment_decide", args=[comment.pk, "approve"])
    assert f'formaction="{keep}" data-key="a" title="Keep (a)"' in page
    answer = client.post(keep, HTTP_ACCEPT="application/json")
    assert "kept: its reports are closed" in answer.content.decode()
    assert not CommentReport.objects.filter(closed_at__isnull=True).exists()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_the_dashboard_shows_reports_and_the_time_to_a_decision(comment, moderator):
    report(comment, ip="198.51.100.1")
    report(comment, ip="198.51.100.2")
    CommentReport.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    services.comment_reports_close(comment_ids=[comment.pk], moderator=moderator)
    report(CommentFactory(), ip="198.51.100.3")
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("admin:comments_comment_desk")).content.decode()
    assert '<span class="nr-big">1</span> comments reported by readers' in html
    assert "(last 24 h: 3)" in html
    assert "median from first report to decision (last 7 days, 1 comments)" in html
    assert '<span class="nr-big">30 min</span> median from first report' in html


def test_the_commenters_history_shows_reports_against_them(comment, moderator):
    report(comment, ip="198.51.100.1", reason="abusive")
    report(comment, ip="198.51.100.2", reason="abusive")
    client = Client()
    client.force_login(moderator)
    html = client.get(
        reverse("admin:comments_comment_history", args=[comment.pk])
    ).content.decode()
    assert "Reported by readers: abusive ×2" in html


def test_moderators_read_the_notes_escaped(comment, moderator):
    report(comment, ip="198.51.100.1", note="<img src=x onerror=alert(1)> see rule 3")
    client = Client()
    client.force_login(moderator)
    html = client.get(
        reverse("admin:comments_comment_changelist"), {"reported": "open"}
    ).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt; see rule 3" in html
    assert "<img src=x" not in html


def test_a_thread_under_legal_hold_does_not_move(comment):
    from comments.models import LegalHold

    set_moderation(report_threshold=1)
    LegalHold.objects.create(article=comment.article)
    assert report(comment, ip="198.51.100.1").status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert CommentReport.objects.count() == 1


def test_a_comment_on_an_unpublished_story_cannot_be_reported(comment):
    comment.article.status = "draft"
    comment.article.save()
    outcome = services.comment_report(
        comment_id=comment.pk, reason="spam", note="", ip="198.51.100.1", visitor="v"
    )
    assert (outcome.accepted, outcome.http_status) == (False, 404)
    assert report(comment).status_code == 404
    assert not CommentReport.objects.exists()


def test_a_report_needs_no_token_but_its_pages_are_never_cached(comment):
    """Like the comment form on a cached page: no CSRF token, the fetch
    metadata and Origin guard it; the page itself is never stored."""
    strict = Client(enforce_csrf_checks=True)
    url = reverse("comments:report", args=[comment.pk])
    assert "no-cache" in strict.get(url)["Cache-Control"]
    response = strict.post(
        url,
        {"reason": "spam"},
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
        REMOTE_ADDR="198.51.100.8",
    )
    assert response.status_code == 303
    assert response["Location"].endswith("?sent=new")
    assert CommentReport.objects.count() == 1


def test_a_shared_comment_link_finds_its_thread_page(settings):
    from tests.factories import ArticleFactory

    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    now = timezone.now()
    roots = []
    for n in range(5):
        roots.append(
            CommentFactory(article=article, created_at=now - timedelta(minutes=50 - n))
        )
    reply = CommentFactory(article=article, parent=roots[4], body="A reply")
    CommentFactory(article=article, pending=True, created_at=now - timedelta(hours=2))
    client = Client()
    base = article.get_absolute_url()
    assert client.get(f"/comments/{roots[0].pk}/")["Location"] == (
        f"{base}#comment-{roots[0].pk}"
    )
    assert client.get(f"/comments/{roots[2].pk}/")["Location"] == (
        f"{base}?cpage=2#comment-{roots[2].pk}"
    )
    assert client.get(f"/comments/{reply.pk}/")["Location"] == (
        f"{base}?cpage=3#comment-{reply.pk}"
    )
    # The page it names shows it.
    page = client.get(f"{base}?cpage=3").content.decode()
    assert f'id="comment-{reply.pk}"' in page
    hidden = CommentFactory(article=article, pending=True)
    assert client.get(f"/comments/{hidden.pk}/").status_code == 404
    assert client.get("/comments/999999/").status_code == 404
