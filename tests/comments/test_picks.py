"""Editors' picks (the NYT Picks): moderators and editors feature published
comments; picks show first, above the thread, marked, through the edge."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import AuditEntry
from caching import tagversions
from comments import services
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    article = ArticleFactory(title="Chip plant opens in Porto")
    best = CommentFactory(
        article=article, name="Rita", body="I worked there: <b>wages</b> are fair."
    )
    CommentFactory(article=article, name="Ana", body="Nice.")
    return article, best


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_pick_shows_first_above_the_thread_and_is_marked(
    thread, django_capture_on_commit_callbacks
):
    article, best = thread
    url = article.get_absolute_url()
    assert "Editors' picks" not in Client().get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the page is cached
        services.comments_pick(comment_ids=[best.pk], user=None)
    html = Client().get(url).content.decode()
    picks = html.index('id="comment-picks-title"')
    assert picks < html.index('class="list-unstyled comment-thread"')
    block = html[picks : html.index("</section>", picks)]
    assert (
        "Rita" in block
        and "I worked there: &lt;b&gt;wages&lt;/b&gt; are fair." in block
    )
    assert "Nice." not in block
    item = html[html.index(f'id="comment-{best.pk}"') :][:600]
    assert "comment-pick-mark" in item  # marked in the thread too


def test_picking_invalidates_the_page_and_is_audited(
    thread, roles, django_capture_on_commit_callbacks
):
    article, best = thread
    editor = UserFactory(username="ed", groups="Editor")
    tag = f"article:{article.pk}"
    before = tagversions.versions([tag])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.comments_pick(comment_ids=[best.pk], user=editor) == 1
    tagversions.forget_local_versions()
    assert tagversions.versions([tag]) != before
    best.refresh_from_db()
    assert best.picked_at is not None and best.picked_by == editor
    assert AuditEntry.objects.get(action="comment picked").object_id == str(best.pk)
    # Picking again changes nothing; unpicking is one action.
    assert services.comments_pick(comment_ids=[best.pk], user=editor) == 0
    assert services.comments_pick(comment_ids=[best.pk], user=editor, picked=False)
    best.refresh_from_db()
    assert best.picked_at is None


def test_only_published_comments_can_be_picks(thread):
    article, _ = thread
    held = CommentFactory(article=article, pending=True, body="Held back.")
    assert services.comments_pick(comment_ids=[held.pk], user=None) == 0
    picked = CommentFactory(article=article, body="Was a pick.")
    services.comments_pick(comment_ids=[picked.pk], user=None)
    Comment.objects.filter(pk=picked.pk).update(status="rejected")
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Held back." not in html and "Was a pick." not in html


def test_moderators_and_editors_pick_journalists_cannot(thread, roles):
    _, best = thread
    url = reverse("admin:comments_comment_pick", args=[best.pk])
    moderator = UserFactory(username="mo", groups="Moderator")
    editor = UserFactory(username="ed", groups="Editor")
    journalist = UserFactory(username="jo", groups="Journalist")
    assert client_for(journalist).post(url).status_code == 403
    answer = client_for(editor).post(url, HTTP_ACCEPT="application/json").json()
    assert answer["ok"] and "is an editors' pick" in answer["message"]
    answer = (
        client_for(moderator)
        .post(url, {"unpick": "1"}, HTTP_ACCEPT="application/json")
        .json()
    )
    assert answer["ok"] and "no longer a pick" in answer["message"]
    best.refresh_from_db()
    assert best.picked_at is None


def test_the_queue_row_has_the_pick_button(thread, roles):
    _, best = thread
    moderator = UserFactory(username="mo", groups="Moderator")
    html = (
        client_for(moderator)
        .get(
            reverse("admin:comments_comment_changelist"), {"status__exact": "approved"}
        )
        .content.decode()
    )
    pick = reverse("admin:comments_comment_pick", args=[best.pk])
    assert f'formaction="{pick}" name="unpick" value="0"' in html
    assert "<kbd>f</kbd> pick" in html


def test_an_editor_picks_from_the_storys_comments_page_without_javascript(
    thread, roles
):
    """Editors have no moderation queue: the article list's comment count
    leads them to the story's comments, each with a Pick button (a form)."""
    article, best = thread
    CommentFactory(article=article, pending=True, body="Waiting for review")
    editor = client_for(UserFactory(username="ed-picks", groups="Editor"))
    articles = editor.get(reverse("admin:articles_article_changelist")).content
    story = reverse("admin:comments_comment_story", args=[article.pk])
    assert f'href="{story}"'.encode() in articles
    page = editor.get(story).content.decode()
    assert "I worked there: &lt;b&gt;wages&lt;/b&gt; are fair." in page
    assert "Waiting for review" not in page  # published comments only
    assert "2 published comments, 0 editors' picks" in page
    answer = editor.post(
        reverse("admin:comments_comment_pick", args=[best.pk]),
        {"unpick": "0", "next": story},
    )
    assert answer.status_code == 302 and answer["Location"] == story
    best.refresh_from_db()
    assert best.picked_at is not None
    page = editor.get(story).content.decode()
    assert "Comment by Rita is an editors" in page  # the message
    assert page.index("I worked there") < page.index("Nice.")  # picks first
    assert 'name="unpick" value="1"' in page
    editor.post(
        reverse("admin:comments_comment_pick", args=[best.pk]),
        {"unpick": "1", "next": story},
    )
    best.refresh_from_db()
    assert best.picked_at is None


def test_journalists_and_readers_cannot_open_the_storys_comments(thread, roles):
    article, best = thread
    story = reverse("admin:comments_comment_story", args=[article.pk])
    journalist = client_for(UserFactory(username="jo-picks", groups="Journalist"))
    assert journalist.get(story).status_code == 403
    answer = journalist.post(
        reverse("admin:comments_comment_pick", args=[best.pk]), {"unpick": "0"}
    )
    assert answer.status_code == 403
    articles = journalist.get(reverse("admin:articles_article_changelist"))
    assert story not in articles.content.decode()
    assert Client().get(story).status_code == 302  # to the login page
