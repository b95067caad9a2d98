"""The page cache on a real Redis server (as several app servers share it)."""

import pytest
import redis

from articles.invalidation import article_tag
from caching import pagecache, tagversions
from tests.factories import ArticleFactory
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


def test_page_cache_in_redis_with_precise_invalidation(client, redis_cache):
    a, b = ArticleFactory(), ArticleFactory()
    for article in (a, b):
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    keys = redis.Redis.from_url(redis_cache).keys("newsroom:*pagecache:page:*")
    assert len(keys) == 2
    tagversions.bump(article_tag(a.pk))
    assert client.get(a.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(b.get_absolute_url())["X-Page-Cache"] == "hit"


@pytest.fixture
def redis_server(redis_cache):
    """A client of the Redis server this process's cache uses."""
    return redis.Redis.from_url(redis_cache)


def redis_calls(server, command: str) -> int:
    stats = server.info("commandstats").get(f"cmdstat_{command}", {})
    return stats.get("calls", 0)


def test_hits_read_versions_from_redis_at_most_once_per_bound(
    client, redis_server, settings
):
    settings.NEWSROOM_VERSION_SECONDS = 60
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    before = {c: redis_calls(redis_server, c) for c in ("get", "mget")}
    for _ in range(5):
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert {c: redis_calls(redis_server, c) for c in ("get", "mget")} == before
    settings.NEWSROOM_VERSION_SECONDS = 0  # no local copies: Redis every time
    for _ in range(5):
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert redis_calls(redis_server, "mget") >= before["mget"] + 5


def test_another_servers_bump_is_trusted_only_within_the_bound(
    client, redis_server, settings
):
    """A version another server moved on (here: straight in Redis) is seen
    once this process's copy is older than NEWSROOM_VERSION_SECONDS."""
    settings.NEWSROOM_VERSION_SECONDS = 60
    article = ArticleFactory()
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    (version_key,) = redis_server.keys(f"newsroom:*pagecache:v:article:{article.pk}")
    redis_server.incr(version_key)
    assert client.get(url)["X-Page-Cache"] == "hit"  # within the bound
    settings.NEWSROOM_VERSION_SECONDS = 0.05
    assert eventually_state(client, url, "miss")


def test_local_copies_follow_an_invalidation_made_by_another_server(
    client, redis_cache
):
    """Each server keeps local copies of pages, but serves one only while the
    tag versions in Redis match it: a bump by any other process (here a raw
    Redis client, as another app server would) is seen on the next request."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    other_server = redis.Redis.from_url(redis_cache)
    (version_key,) = other_server.keys(f"newsroom:*pagecache:v:article:{article.pk}")
    # What bump() does on another server: move the version on.
    other_server.incr(version_key)
    assert eventually_state(client, url, "miss")  # within NEWSROOM_VERSION_SECONDS
    assert client.get(url)["X-Page-Cache"] == "hit"
    # And a page another server stored is picked up from Redis, not re-rendered.
    pagecache.clear_local_copies()
    assert client.get(url)["X-Page-Cache"] == "hit"


def eventually_state(client, url, state) -> bool:
    """Notices arrive asynchronously (within milliseconds): poll for them."""
    return wait_until(lambda: client.get(url).get("X-Page-Cache") == state)
