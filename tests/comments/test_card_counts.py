"""The comment counts on home, section and tag cards (#30 item 4): a
comment changes its own article's page at once and leaves every listing
cached; the cards' counts follow within minutes (a recount every minute,
the listings told at most every COUNTS_REFRESH_SECONDS). Real PostgreSQL,
the in-app page cache (the edge's side: tests/cluster)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from articles.invalidation import COMMENT_COUNTS_TAG
from comments import counts, services
from comments.models import Comment
from tests.articles.test_views import QUERY_BUDGET
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    SectionFactory,
    TagFactory,
    set_moderation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts_state():
    set_moderation(flood_seconds=0, rate_per_minute=1000)
    counts._next_ask["at"] = 0.0


def approved_comment(article, n: int, committed) -> Comment:
    """A published comment through the service (a trusted commenter)."""
    email = f"trusted{n}@example.com"
    # Approved before (on a draft, out of the listings): trusted.
    CommentFactory(email=email, approved=True, article__draft=True)
    with committed():
        result = services.comment_submit(
            article=article,
            name=f"Reader {n}",
            email=email,
            body=f"Comment {n} on the story.",
            ip=f"198.51.100.{n + 1}",
            form_age=10.0,
        )
    assert result.comment.status == "approved"
    return result.comment


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def card_text(client, path="/") -> str:
    return client.get(path).content.decode()


def test_a_comment_leaves_the_listings_cached_and_its_page_not(client, committed):
    section, tag = SectionFactory(), TagFactory()
    article = ArticleFactory(section=section)
    article.tags.add(tag)
    listings = ["/", section.get_absolute_url(), tag.get_absolute_url()]
    for path in [*listings, article.get_absolute_url()]:
        client.get(path)
        assert client.get(path)["X-Page-Cache"] == "hit", path
    counts._next_ask["at"] = float("inf")  # this process asks for no recount
    for n in range(5):
        approved_comment(article, n, committed)
    for path in listings:
        assert client.get(path)["X-Page-Cache"] == "hit", path
    page = client.get(article.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "Comment 4 on the story." in page.content.decode()


def test_the_listings_carry_the_counts_tag_and_the_article_page_does_not(client):
    article = ArticleFactory()
    assert COMMENT_COUNTS_TAG in client.get("/")["xkey"].split()
    page = client.get(article.get_absolute_url())
    assert COMMENT_COUNTS_TAG not in page["xkey"].split()
    assert f"article:{article.pk}" in page["xkey"].split()


def test_the_card_count_follows_within_minutes(client, committed):
    article = ArticleFactory(title="Chip plant opens")
    start = timezone.now()
    counts._next_ask["at"] = float("inf")  # recounts run here, by the test
    with time_machine.travel(start, tick=False) as clock:
        assert "comments</a>" not in card_text(client)
        for n in range(2):
            approved_comment(article, n, committed)
        with committed():
            counts.comment_counts_refresh()
        article.refresh_from_db()
        assert article.comment_count == 2
        assert "2 comments" in card_text(client)
        # A minute later, more comments: recounted, the listings not told yet.
        clock.shift(60)
        approved_comment(article, 2, committed)
        with committed():
            counts.comment_counts_refresh()
        article.refresh_from_db()
        assert article.comment_count == 3
        home = client.get("/")
        assert home["X-Page-Cache"] == "hit" and "2 comments" in home.content.decode()
        # Past the refresh interval, the next recount tells them.
        clock.shift(counts.COUNTS_REFRESH_SECONDS)
        with committed():
            counts.comment_counts_refresh()
        assert "3 comments" in card_text(client)


def test_one_comment_in_words_and_a_link_to_the_thread(client, committed):
    article = ArticleFactory()
    approved_comment(article, 0, committed)
    with committed():
        counts.comment_counts_refresh(full=True)
    html = card_text(client)
    assert f'href="{article.get_absolute_url()}#comments">1 comment</a>' in html


def test_pending_and_removed_comments_are_not_counted(committed, moderators):
    mo, _ = moderators
    article = ArticleFactory()
    CommentFactory(article=article, pending=True)
    CommentFactory(article=article, spam=True)
    kept = approved_comment(article, 0, committed)
    with committed():
        counts.comment_counts_refresh(full=True)
    article.refresh_from_db()
    assert article.comment_count == 1
    services.comments_moderate(
        comments=Comment.objects.filter(pk=kept.pk), status="rejected", moderator=mo
    )
    counts.comment_counts_refresh()
    article.refresh_from_db()
    assert article.comment_count == 0


def test_deleting_published_comments_recounts_once_on_commit(committed):
    article = ArticleFactory()
    for n in range(3):
        approved_comment(article, n, committed)
    with committed():
        counts.comment_counts_refresh(full=True)
    with CaptureQueriesContext(connection) as queries, committed():
        Comment.objects.filter(article=article).delete()
    article.refresh_from_db()
    assert article.comment_count == 0
    recounts = [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(recounts) == 1  # one recount for the three deletions


def test_a_save_that_wrote_an_old_count_back_is_corrected(committed):
    article = ArticleFactory()
    stale = type(article).objects.get(pk=article.pk)  # an editor's form, open
    approved_comment(article, 0, committed)
    with committed():
        counts.comment_counts_refresh(full=True)
    stale.title = "Edited"
    stale.save()  # writes comment_count = 0 back
    counts.comment_counts_refresh()
    stale.refresh_from_db()
    assert stale.comment_count == 1


def test_posts_ask_for_a_recount_at_most_once_a_minute(committed):
    article = ArticleFactory()
    approved_comment(article, 0, committed)
    article.refresh_from_db()
    assert article.comment_count == 1  # the post's own recount (a worker's)
    approved_comment(article, 1, committed)
    article.refresh_from_db()
    assert article.comment_count == 1  # asked less than a minute ago
    counts._next_ask["at"] = 0.0
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        approved_comment(article, 2, committed)
    article.refresh_from_db()
    assert article.comment_count == 3


def test_the_home_page_costs_no_query_more_for_its_counts(
    client, django_assert_max_num_queries, committed
):
    """The count is a column of the article row the cards already read."""
    stories = [ArticleFactory() for _ in range(3)]
    for n, story in enumerate(stories):
        approved_comment(story, n, committed)
    with committed():
        counts.comment_counts_refresh(full=True)
    with override_settings(NEWSROOM_PAGE_CACHE=False):
        client.get("/")  # warm the per-process caches
        with django_assert_max_num_queries(QUERY_BUDGET) as queries:
            html = client.get("/").content.decode()
    linked = set(re.findall(r'href="([^"]+)#comments">1 comment</a>', html))
    assert linked == {story.get_absolute_url() for story in stories}
    assert not [q for q in queries.captured_queries if "comments_comment" in q["sql"]]
