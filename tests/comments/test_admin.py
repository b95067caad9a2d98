import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from comments.models import BannedCommenter, Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"


@pytest.fixture
def people(roles):
    users = {
        role: UserFactory(username=role.lower(), groups=role)
        for role in ["Journalist", "Editor", "Moderator", "admin"]
    }
    users["reader"] = UserFactory(username="reader")
    return users


@pytest.fixture
def moderator_client(people):
    client = Client()
    client.force_login(people["Moderator"])
    return client


def test_queue_opens_on_pending_newest_first(moderator_client):
    old = CommentFactory(pending=True, body="older pending")
    new = CommentFactory(pending=True, body="newer pending")
    CommentFactory(approved=True, body="already approved")
    response = moderator_client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].endswith("?status__exact=pending")
    html = moderator_client.get(response["Location"]).content.decode()
    assert "already approved" not in html
    assert html.index(new.body) < html.index(old.body)


def test_queue_columns(moderator_client):
    parent = CommentFactory(body="The parent comment")
    reply = CommentFactory(
        pending=True,
        parent=parent,
        article=parent.article,
        body="A reply",
        rule="links",
    )
    html = moderator_client.get(QUEUE + "?status__exact=pending").content.decode()
    for text in [
        "A reply",
        reply.name,
        reply.email,
        parent.article.title,
        parent.article.get_absolute_url(),
        "The parent comment",
        "Pending",
        "links",
        "Approve</button>",
        "Spam</button>",
    ]:
        assert text in html


def test_search_by_name_email_body_and_ip(moderator_client):
    target = CommentFactory(
        pending=True,
        name="Zed",
        email="zed@example.com",
        ip="192.0.2.55",
        body="Zebra body",
    )
    CommentFactory(pending=True)
    for term in ["Zed", "zed@example.com", "Zebra", "192.0.2.55"]:
        response = moderator_client.get(QUEUE, {"status__exact": "pending", "q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [target], term
    assert moderator_client.get(QUEUE, {"q": "not-an-ip::"}).status_code == 200


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve_selected", "approved"),
        ("reject_selected", "rejected"),
        ("spam_selected", "spam"),
    ],
)
def test_bulk_actions(moderator_client, people, action, status):
    comments = CommentFactory.create_batch(3, pending=True)
    moderator_client.post(
        QUEUE + "?status__exact=pending",
        {"action": action, "_selected_action": [c.pk for c in comments]},
    )
    for comment in Comment.objects.all():
        assert comment.status == status
        assert comment.moderated_by == people["Moderator"]
        assert comment.decisions.last().actor == people["Moderator"]


def test_one_click_approve_and_spam(moderator_client):
    a, b = CommentFactory.create_batch(2, pending=True)
    moderator_client.post(
        reverse("admin:comments_comment_decide", args=[a.pk, "approve"])
    )
    moderator_client.post(reverse("admin:comments_comment_decide", args=[b.pk, "spam"]))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("approved", "spam")
    # A GET changes nothing (a link in an e-mail or a prefetch must not
    # decide): refused, and the comment stays as it was.
    assert (
        moderator_client.get(
            reverse("admin:comments_comment_decide", args=[b.pk, "approve"])
        ).status_code
        == 405
    )
    b.refresh_from_db()
    assert b.status == "spam"


def test_pending_count_on_admin_index_and_navigation(moderator_client):
    CommentFactory.create_batch(12, pending=True)
    html = moderator_client.get("/admin/").content.decode()
    assert 'Comments <span class="pending-count">(12 pending)</span>' in html
    # The sidebar navigation of the other admin pages (the queue itself
    # gives its width to the comments and says the count in its summary).
    html = moderator_client.get("/admin/comments/bannedcommenter/").content.decode()
    assert "(12 pending)" in html
    html = moderator_client.get(QUEUE + "?status__exact=pending").content.decode()
    assert "<strong>12</strong> pending" in html


def test_history_lists_decisions(moderator_client, people):
    comment = CommentFactory(pending=True)
    moderator_client.post(
        reverse("admin:comments_comment_decide", args=[comment.pk, "approve"])
    )
    html = moderator_client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()
    assert "History of decisions" in html
    assert "moderator:approved" in html and "moderator" in html


def test_ban_from_a_comment(moderator_client):
    comment = CommentFactory(pending=True, email="bad@example.com", ip="203.0.113.77")
    other = CommentFactory(pending=True, email="bad@example.com")
    url = reverse("admin:comments_comment_ban", args=[comment.pk])
    assert moderator_client.get(url).status_code == 200
    moderator_client.post(
        url, {"by_email": "on", "by_ip": "on", "spam_pending": "on", "reason": "spam"}
    )
    ban = BannedCommenter.objects.get()
    assert (ban.email, ban.ip) == ("bad@example.com", "203.0.113.77")
    other.refresh_from_db()
    assert other.status == "spam"


def test_ban_needs_email_or_ip(moderator_client):
    comment = CommentFactory(pending=True)
    response = moderator_client.post(
        reverse("admin:comments_comment_ban", args=[comment.pk]), {}
    )
    assert "Choose the email, the IP address or both." in response.content.decode()
    assert not BannedCommenter.objects.exists()


def test_export_and_erase_actions(moderator_client):
    comment = CommentFactory(email="me@example.com", body="mine")
    response = moderator_client.post(
        QUEUE + "?status__exact=approved",
        {"action": "export_selected", "_selected_action": [comment.pk]},
    )
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)[0]["comments"][0]["body"] == "mine"
    moderator_client.post(
        QUEUE + "?status__exact=approved",
        {"action": "erase_selected", "_selected_action": [comment.pk]},
    )
    comment.refresh_from_db()
    assert comment.name == "Anonymous" and comment.email == ""


@pytest.mark.parametrize(
    ("role", "can_moderate", "can_edit_articles"),
    [
        ("Moderator", True, False),
        ("Journalist", False, True),
        ("Editor", False, True),
        ("admin", True, True),
        ("reader", False, False),
        ("anonymous", False, False),
    ],
)
def test_comment_role_matrix(people, role, can_moderate, can_edit_articles):
    client = Client()
    if role in people:
        client.force_login(people[role])
    comment = CommentFactory(pending=True)
    response = client.get(QUEUE + "?status__exact=pending")
    assert (response.status_code == 200) is can_moderate
    client.post(
        QUEUE + "?status__exact=pending",
        {"action": "approve_selected", "_selected_action": [comment.pk]},
    )
    client.post(reverse("admin:comments_comment_decide", args=[comment.pk, "spam"]))
    comment.refresh_from_db()
    assert (comment.status != "pending") is can_moderate
    article = ArticleFactory(draft=True, created_by=people.get(role))
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert (response.status_code == 200) is can_edit_articles
    if role == "anonymous":
        assert client.get(QUEUE).status_code == 302  # to the login page


def test_article_changelist_shows_counts_without_query_per_row(
    people, django_assert_max_num_queries
):
    client = Client()
    client.force_login(people["Editor"])
    for _ in range(20):
        article = ArticleFactory()
        CommentFactory.create_batch(2, article=article)
        CommentFactory(article=article, pending=True)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 20
    assert all(
        (a.approved_comment_count, a.pending_comment_count) == (2, 1) for a in rows
    )
    assert Article.objects.count() == 20


def test_queue_query_count_does_not_grow(
    moderator_client, django_assert_max_num_queries
):
    """The queue costs the same number of queries for 5 rows or a full page
    (history counts, claims and reasons come with the page, not per row)."""
    CommentFactory.create_batch(5, pending=True)
    moderator_client.get(QUEUE + "?status__exact=spam")  # warms the caches
    with CaptureQueriesContext(connection) as few:
        moderator_client.get(QUEUE + "?status__exact=pending")
    CommentFactory.create_batch(60, pending=True)
    with django_assert_max_num_queries(20) as many:
        response = moderator_client.get(QUEUE + "?status__exact=pending")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50  # a full page
    assert len(many.captured_queries) == len(few.captured_queries)


def test_admin_edit_and_delete_of_a_comment_reach_the_cached_page(
    people, django_capture_on_commit_callbacks
):
    """A moderator's edit of an approved comment's name or text, and its
    deletion, show on the next reader request (the page was cached)."""
    admin_client = Client()
    admin_client.force_login(people["admin"])
    comment = CommentFactory(approved=True, name="Typo Name", body="Teh text")
    url = comment.article.get_absolute_url()
    reader = Client()
    reader.get(url)
    assert reader.get(url)["X-Page-Cache"] == "hit"
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="Fixed Name", body="The text", email=comment.email)
    data = {k: v.pk if hasattr(v, "pk") else v for k, v in data.items()}
    data.update({"decisions-TOTAL_FORMS": "0", "decisions-INITIAL_FORMS": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    html = reader.get(url).content.decode()
    assert "Fixed Name" in html and "The text" in html and "Teh text" not in html
    delete = reverse("admin:comments_comment_delete", args=[comment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert "Fixed Name" not in reader.get(url).content.decode()


def test_decision_buttons_come_first_and_the_queue_filters_by_rule(moderator_client):
    CommentFactory(pending=True, body="Held for its links", rule="links")
    CommentFactory(pending=True, body="Held by default", rule="default")
    html = moderator_client.get(
        QUEUE, {"status__exact": "pending", "rule": "links"}
    ).content.decode()
    assert "Held for its links" in html and "Held by default" not in html
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert row.index("field-row_actions") < row.index("field-excerpt_column")
    assert "Approve</button>" in row
