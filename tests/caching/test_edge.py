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
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def max_age(response) -> int:
    return int(re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1])


def test_pages_carry_their_tags(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url())
    assert page["xkey"] == f"{article_tag(article.pk)} site"
    assert client.get("/")["xkey"] == "lists site"
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
    settings.COMMENTS_CLOSE_AFTER_DAYS = 1
    closing_soon = ArticleFactory(
        published_at=timezone.now() - timedelta(days=1) + timedelta(seconds=300)
    )
    assert 295 <= max_age(client.get(closing_soon.get_absolute_url())) <= 301


def test_the_edge_lifetime_stays_below_the_forms_maximum_age(client, settings):
    from comments.forms import FORM_MAX_AGE

    settings.NEWSROOM_CDN_MAX_AGE = 10 * FORM_MAX_AGE
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
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
    article = ArticleFactory()
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
