"""Redis stops or hangs: readers get pages (uncached), commenters and editors
keep working, and once Redis is back nothing stored before the outage is
served as current."""

import logging
import signal

import pytest

from caching.cache import ResilientRedisCache
from comments.forms import sign_timestamp
from comments.models import Comment
from tests.articles.test_admin import change_data
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(settings, redis_cache, redis_process):
    """Pause (SIGSTOP: calls time out) or stop (SIGTERM: connections are
    refused) the Redis server the cache uses."""
    settings.NEWSROOM_CACHE_RETRY_SECONDS = 0  # try Redis on every call
    settings.NEWSROOM_CACHE_TIMEOUT = 0.1
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.NEWSROOM_VERSION_SECONDS = 0  # no local copies of versions
    return redis_process[1]


def test_the_backend_in_use_is_the_resilient_one(redis_cache):
    from django.core.cache import caches

    assert isinstance(caches["default"], ResilientRedisCache)


def test_readers_commenters_and_editors_while_redis_is_stopped(client, outage, caplog):
    article = ArticleFactory(title="Before the outage")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    outage.terminate()
    outage.wait(timeout=10)
    with caplog.at_level(logging.WARNING, logger="caching.cache"):
        for _ in range(3):
            for page in (url, "/", article.section.get_absolute_url(), "/search/?q=x"):
                response = client.get(page)
                assert response.status_code == 200, page
        posted = client.post(
            f"/comments/post/{article.pk}/",
            {"name": "Ana", "email": "ana@example.com", "body": "Still here",
             "ts": sign_timestamp()},
        )  # fmt: skip
        assert posted.status_code == 303
        assert Comment.objects.filter(body="Still here").exists()
        editor = UserFactory(username="ed", groups="Editor")
        client.force_login(editor)
        saved = client.post(
            f"/admin/articles/article/{article.pk}/change/",
            change_data(article, title="Saved during the outage"),
        )
        assert saved.status_code == 302
    article.refresh_from_db()
    assert article.title == "Saved during the outage"
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per call


def test_nothing_from_before_the_outage_is_served_after_it(
    client, outage, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="Old headline")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    outage.send_signal(signal.SIGSTOP)  # Redis hangs: calls time out
    try:
        article.title = "New headline"
        with django_capture_on_commit_callbacks(execute=True):
            article.save()  # the bump is lost: Redis does not answer
        assert "New headline" in client.get(url).content.decode()
    finally:
        outage.send_signal(signal.SIGCONT)
    # Redis is back with the page stored under the old versions.
    response = client.get(url)
    assert response.status_code == 200
    assert "New headline" in response.content.decode()
    assert "Old headline" not in response.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"  # caching again
