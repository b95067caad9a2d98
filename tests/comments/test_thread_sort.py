"""The thread in three orders (?csort=): oldest (default), newest, most
replies; the choice kept in the pages' links and in the cache's keys."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    now = timezone.now()
    CommentFactory(
        article=article, body="First words", created_at=now - timedelta(hours=3)
    )
    second = CommentFactory(
        article=article, body="Second words", created_at=now - timedelta(hours=2)
    )
    third = CommentFactory(
        article=article, body="Third words", created_at=now - timedelta(hours=1)
    )
    for n in range(3):
        CommentFactory(article=article, parent=second, body=f"Reply {n} to second")
    CommentFactory(article=article, parent=third, body="Reply to third")
    return article


def order(html: str, words: list[str]) -> list[str]:
    found = [(html.index(w), w) for w in words if w in html]
    return [w for _, w in sorted(found)]


WORDS = ["First words", "Second words", "Third words"]


@pytest.mark.parametrize(
    ("sort", "page_one", "page_two"),
    [
        (None, ["First words", "Second words"], ["Third words"]),
        ("newest", ["Third words", "Second words"], ["First words"]),
        ("replies", ["Second words", "Third words"], ["First words"]),
        ("nonsense", ["First words", "Second words"], ["Third words"]),
    ],
)
def test_each_order_pages_the_thread(thread, sort, page_one, page_two):
    client = Client()
    url = thread.get_absolute_url()
    query = {"csort": sort} if sort else {}
    html = client.get(url, query).content.decode()
    assert order(html, WORDS) == page_one
    assert order(client.get(url, {**query, "cpage": 2}).content.decode(), WORDS) == (
        page_two
    )
    if sort in ("newest", "replies"):  # the pages' links keep the order
        assert f"?cpage=2&amp;csort={sort}#comments" in html
        assert '<strong aria-current="true">' in html


def test_the_sort_links_are_offered(thread):
    html = Client().get(thread.get_absolute_url()).content.decode()
    assert 'href="?csort=newest#comments"' in html
    assert 'href="?csort=replies#comments"' in html
