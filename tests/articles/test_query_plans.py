"""EXPLAIN every reader-page query and the moderation queue query against
enough rows for the planner to prefer indexes; no sequential scan of the
articles or comments tables is allowed."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, AuthorProfile, Section, Tag
from comments.forms import sign_timestamp
from comments.models import Comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BIG_TABLES = {"articles_article", "comments_comment"}


@pytest.fixture
def bulk(settings):
    settings.NEWSROOM_PAGE_CACHE = False
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    call_command("seed_bulk", articles=20_000, comments=120_000, stdout=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def seq_scans(plan) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


def explain_all(queries):
    problems = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            if scans := seq_scans(plan):
                problems.append((scans, sql[:300]))
    return problems


def test_reader_pages_and_queue_use_indexes(bulk):
    busiest = (
        Comment.objects.values("article").order_by("-article__comments__id").first()
    )
    big = Article.objects.get(pk=busiest["article"])
    assert big.comments.count() >= 2000
    # A recent story (comments open), not the newest: it has both neighbours.
    normal = (
        Article.objects.published()
        .filter(published_at__gte=timezone.now() - timedelta(days=10))
        .order_by("published_at")
        .first()
    )
    section = Section.objects.filter(slug__startswith="bulk-").first()
    tag = Tag.objects.filter(slug__startswith="bulk-").first()
    author = AuthorProfile.objects.filter(slug__startswith="bulk-").first()
    urls = [
        "/",
        "/?page=3",
        big.get_absolute_url(),
        big.get_absolute_url() + "?cpage=5",
        normal.get_absolute_url(),
        section.get_absolute_url(),
        section.get_absolute_url() + "?page=4",
        tag.get_absolute_url(),
        author.get_absolute_url(),
        f"/search/?q=story+{normal.pk}",  # a rare word: the GIN index
        "/search/?q=quantum+computing",  # readings paired with their languages
        "/search/?q=人工智能",  # character pairs
        "/feed/",
        f"/section/{section.slug}/feed/",
        "/news-sitemap.xml",
    ]
    client = Client()
    problems = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        problems += [(url, *p) for p in explain_all(captured.captured_queries)]
    settings_comment = {
        "name": "Plan",
        "email": "plan@example.com",
        "body": "Checking plans",
        "ts": sign_timestamp(),
    }
    with CaptureQueriesContext(connection) as captured:
        posted = client.post(f"/comments/post/{normal.pk}/", settings_comment)
        assert posted.status_code == 303
    problems += [("comment POST", *p) for p in explain_all(captured.captured_queries)]
    moderator = Client()
    moderator.force_login(UserFactory(username="root", groups="admin"))
    with CaptureQueriesContext(connection) as captured:
        queue = moderator.get("/admin/comments/comment/?status__exact=pending")
        assert queue.status_code == 200
    problems += [("queue", *p) for p in explain_all(captured.captured_queries)]
    for p in problems:
        print("PROBLEM", p[0], p[1], p[2][:900])
    assert problems == []


def test_search_words_are_kept_in_the_row():
    """A search checks the words of story after story: kept in the row
    (migration 0020), reading them touches no page beyond the row's own;
    out of line in TOAST, three or four more per story."""
    call_command("seed_bulk", articles=300, comments=0, stdout=None)

    def pages(expression):
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
                f"SELECT sum({expression}) FROM articles_article"
            )
            plan = cursor.fetchone()[0][0]["Plan"]
        return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]

    pages("1")  # a first pass sets what a scan sets (hint bits)
    row = pages("1")  # the table's own pages, earlier tests' dead rows too

    def beyond_the_rows(expression):
        return pages(expression) - row

    # Rows long enough that something goes out of line (the body, here)...
    assert beyond_the_rows("length(body) + length(search_vector)") > 300
    # ...and it is never the words (out of line: two pages or more a story).
    assert beyond_the_rows("length(search_vector)") < 30
