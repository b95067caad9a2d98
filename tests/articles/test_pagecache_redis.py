"""The page cache on a real Redis server (as several app servers share it)."""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis

from articles import pagecache
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(tmp_path):
    binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if not binary:
        raise pytest.UsageError(
            "redis-server not found: run `make test` (it installs it) or set "
            "REDIS_SERVER"
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_page_cache_in_redis_with_precise_invalidation(
    client, settings, redis_url, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "newsroom",
        }
    }
    a, b = ArticleFactory(), ArticleFactory()
    for article in (a, b):
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    keys = redis.Redis.from_url(redis_url).keys("newsroom:*pagecache:page:*")
    assert len(keys) == 2
    pagecache.bump(pagecache.article_tag(a.pk))
    assert client.get(a.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(b.get_absolute_url())["X-Page-Cache"] == "hit"
