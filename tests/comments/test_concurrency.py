"""Real concurrent HTTP posts against the live server."""

import threading

import pytest

from comments.models import Comment
from tests.factories import ArticleFactory, set_moderation
from tests.http_client import CommentClient

pytestmark = pytest.mark.django_db(transaction=True)


def post_once(base_url, article, n, results):
    status, _text = CommentClient(base_url).post_comment(
        article.get_absolute_url(),
        f"/comments/post/{article.pk}/",
        ip=f"10.20.{n // 250}.{n % 250 + 1}",
        name=f"Reader {n}",
        email=f"reader{n}@example.com",
        body=f"Concurrent comment number {n}",
    )
    results[n] = status


def test_fifty_concurrent_posts_are_each_stored_once(live_server, settings):
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1"]
    article = ArticleFactory()
    results = {}
    threads = [
        threading.Thread(target=post_once, args=(live_server.url, article, n, results))
        for n in range(50)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == list(range(50))
    assert set(results.values()) == {303}, results
    bodies = list(Comment.objects.values_list("body", flat=True))
    assert len(bodies) == 50
    assert sorted(bodies) == sorted(f"Concurrent comment number {n}" for n in range(50))


def test_concurrent_duplicates_store_one(live_server, settings):
    """The same comment sent 10 times at once is stored exactly once."""
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1"]
    set_moderation(flood_seconds=0)
    article = ArticleFactory()
    results = {}

    def same(n):
        post_once(live_server.url, article, 7, results_n := {})
        results[n] = results_n[7]

    threads = [threading.Thread(target=same, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == [303] + [409] * 9
    assert Comment.objects.count() == 1


def test_one_sender_posting_at_once_is_held_to_the_flood_rule(live_server, settings):
    """Sixteen different comments from one sender (IP and e-mail) at the same
    moment: the sender's lock is held before the rules read anything, so
    each post sees the ones before it and only the first gets through."""
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1"]
    set_moderation(flood_seconds=60)
    article = ArticleFactory()
    results = {}

    def sender(n):
        status, _text = CommentClient(live_server.url).post_comment(
            article.get_absolute_url(),
            f"/comments/post/{article.pk}/",
            ip="10.30.0.1",
            name="Same Reader",
            email="same@example.com",
            body=f"A different comment, number {n}",
        )
        results[n] = status

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == [303] + [429] * 15, results
    assert Comment.objects.count() == 1
