"""HTTP as a publisher's audit checks it (#28 item 10): every page and feed
carries a validator and answers a conditional request with 304 (page-cache
hits included); the validator changes when anything shown changes; text
is gzipped for clients that accept it, images are not."""

import gzip
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import http_date

from tests.factories import ArticleFactory, CommentFactory, image_file

pytestmark = pytest.mark.django_db


def test_pages_carry_an_etag_and_answer_304_also_from_the_page_cache(
    client, django_assert_num_queries
):
    article = ArticleFactory()
    for path in ("/", article.get_absolute_url(), "/feed/", "/sitemap.xml"):
        first = client.get(path)
        assert first["X-Page-Cache"] == "miss", path
        etag = first["ETag"]
        assert etag, path
        with django_assert_num_queries(0):  # answered from the page cache
            again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304, path
        assert again.content == b"" and again["ETag"] == etag


def test_the_etag_changes_when_what_the_page_shows_changes(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    url = article.get_absolute_url()
    etag = client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(article=article, body="A new comment in the thread.")
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "A new comment in the thread." in changed.content.decode()
    assert changed["ETag"] != etag


def test_the_feed_answers_if_modified_since(client, django_capture_on_commit_callbacks):
    earlier = ArticleFactory(published_at=timezone.now() - timedelta(hours=2))
    type(earlier).objects.filter(pk=earlier.pk).update(updated_at=earlier.published_at)
    first = client.get("/feed/")
    modified = first["Last-Modified"]
    assert (
        client.get("/feed/", headers={"if-modified-since": modified}).status_code == 304
    )
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(title="Newer story", published_at=timezone.now())
    later = client.get("/feed/", headers={"if-modified-since": modified})
    assert later.status_code == 200 and b"Newer story" in later.content
    a_day_ago = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert (
        client.get("/feed/", headers={"if-modified-since": a_day_ago}).status_code
        == 200
    )


def test_text_is_gzipped_for_clients_that_accept_it(client):
    article = ArticleFactory()
    for path in ("/", article.get_absolute_url(), "/feed/", "/sitemap.xml"):
        plain = client.get(path)
        packed = client.get(path, headers={"accept-encoding": "gzip, br"})
        assert packed["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in packed["Vary"], path
        assert gzip.decompress(packed.content) == plain.content, path
        assert len(packed.content) < len(plain.content), path
        assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]


def test_images_are_sent_as_they_are(client, media_root, settings):
    from articles.services import article_refresh_renditions

    article = ArticleFactory(featured_image=image_file(), featured_image_alt="Lab")
    article_refresh_renditions(article=article)
    article.refresh_from_db()
    url = article.share_image_url
    image = client.get(url, headers={"accept-encoding": "gzip"})
    assert image.status_code == 200
    assert "Content-Encoding" not in image
