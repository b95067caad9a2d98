"""What the app tells an edge cache: the xkey tags of a page, a lifetime
bounded by the clock's next change, and a purge on every change (tested
against a real HTTP listener; the real Varnish is in tests/cluster/)."""

import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from articles.invalidation import article_tag
from tests.factories import ArticleFactory, set_moderation

pytestmark = pytest.mark.django_db


def max_age(response) -> int:
    return int(re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1])


def test_pages_carry_their_tags(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url())
    assert page["xkey"] == f"{article_tag(article.pk)} site"
    assert client.get("/")["xkey"] == "comment-counts front lists site"
    assert "xkey" not in client.get("/search/?q=x")


def test_the_edge_lifetime_ends_when_the_next_scheduled_story_goes_live(
    client, settings
):
    settings.NEWSROOM_CDN_MAX_AGE = 3600
    ArticleFactory()
    ArticleFactory(published_at=timezone.now() + timedelta(seconds=600))
    assert 595 <= max_age(client.get("/")) <= 601


def test_the_edge_lifetime_ends_when_comments_close(client, settings):
    settings.NEWSROOM_CDN_MAX_AGE = 3600
    set_moderation(close_after_days=1)
    closing_soon = ArticleFactory(
        published_at=timezone.now() - timedelta(days=1) + timedelta(seconds=300)
    )
    assert 295 <= max_age(client.get(closing_soon.get_absolute_url())) <= 301


def test_the_edge_lifetime_stays_below_the_forms_maximum_age(client, settings):
    from comments.forms import FORM_MAX_AGE

    settings.NEWSROOM_CDN_MAX_AGE = 10 * FORM_MAX_AGE
    set_moderation(close_after_days=0)
    article = ArticleFactory()
    assert max_age(client.get(article.get_absolute_url())) < FORM_MAX_AGE


class _Edge(BaseHTTPRequestHandler):
    purged: list = []

    def do_PURGE(self):
        _Edge.purged.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def edge(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Edge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Edge.purged = []
    settings.NEWSROOM_EDGE_PURGE_URLS = [f"http://127.0.0.1:{server.server_port}/"]
    yield _Edge.purged
    server.shutdown()


def test_a_change_purges_its_tags_after_commit(
    edge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()  # its own transaction, committed
    edge.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Changed"
        article.save()
    assert edge == [f"{article_tag(article.pk)} lists"]


def test_an_unreachable_edge_does_not_fail_the_save(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.NEWSROOM_EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]  # nothing listens
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Saved anyway"
        article.save()
    assert "unreachable" in caplog.text


def test_one_admin_save_of_a_story_sends_one_purge(
    client, roles, edge, media_root, django_capture_on_commit_callbacks
):
    """A new published story with two tags, two bylines and an image: the
    article, each tag link, each byline and the renditions each pass the
    one invalidation point, and together they make one version bump and one
    purge of the edge, naming the story and the listings."""
    from articles.models import Article
    from tests.factories import (
        AuthorProfileFactory,
        SectionFactory,
        TagFactory,
        UserFactory,
        image_file,
    )

    editor = UserFactory(groups="Editor")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = AuthorProfileFactory(), AuthorProfileFactory()
        tags = [TagFactory(), TagFactory()]
        section = SectionFactory()
    edge.clear()
    now = timezone.localtime()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/admin/articles/article/add/",
            {
                "title": "One save, one purge",
                "slug": "one-save-one-purge",
                "standfirst": "Dek",
                "body": "<p>Body</p>",
                "section": section.pk,
                "tags": [t.pk for t in tags],
                "language": "en",
                "status": Article.Status.PUBLISHED,
                "published_at_0": now.strftime("%Y-%m-%d"),
                "published_at_1": now.strftime("%H:%M:%S"),
                "comments_open": "on",
                "featured_image": image_file(size=(800, 500)),
                "featured_image_alt": "A test card",
                "bylines-TOTAL_FORMS": "2",
                "bylines-INITIAL_FORMS": "0",
                "bylines-MIN_NUM_FORMS": "0",
                "bylines-MAX_NUM_FORMS": "1000",
                "bylines-0-author": first.pk,
                "bylines-0-position": "0",
                "bylines-1-author": second.pk,
                "bylines-1-position": "1",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="one-save-one-purge")
    assert [b.author_id for b in article.bylines.all()] == [first.pk, second.pk]
    assert article.tags.count() == 2
    assert article.featured_image_renditions  # made in the same save
    assert len(callbacks) > 3  # many signals asked for a send…
    assert edge == [f"{article_tag(article.pk)} lists"]  # …one purge went out
    assert client.get(article.get_absolute_url()).status_code == 200


def test_an_edge_that_does_not_answer_in_time_is_left_to_a_worker(
    settings, edge, django_capture_on_commit_callbacks, caplog
):
    """A purge never holds the editor's request for long: an edge that
    accepts the connection but does not answer is given up after
    PURGE_TIMEOUT, the others purged at once, and the missed purge is queued
    again (here the immediate task backend cannot wait, so it says so)."""
    import socket
    import time

    from caching import edge as edge_module

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts, never answers
    try:
        settings.NEWSROOM_EDGE_PURGE_URLS = [
            f"http://127.0.0.1:{silent.getsockname()[1]}/",
            *settings.NEWSROOM_EDGE_PURGE_URLS,
        ]
        with django_capture_on_commit_callbacks(execute=True):
            article = ArticleFactory()
        edge.clear()
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            article.title = "Purged anyway"
            article.save()
        took = time.monotonic() - started
    finally:
        silent.close()
    assert edge == [f"{article_tag(article.pk)} lists"]
    assert took < edge_module.PURGE_TIMEOUT + 1.0
    assert "keeps the pages of" in caplog.text


def test_a_missed_purge_is_queued_again_with_a_deferring_backend(settings, edge):
    """With a task backend that can wait (the database queue of `make
    cluster`), the missed purge becomes a job that runs later."""
    from django_tasks_db.models import DBTaskResult

    from caching.tasks import retry_later

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    retry_later(settings.NEWSROOM_EDGE_PURGE_URLS[0], "article:1 lists")
    job = DBTaskResult.objects.get()
    assert job.task_path == "caching.tasks.purge_edge"
    assert job.run_after > timezone.now() - timedelta(seconds=1)
