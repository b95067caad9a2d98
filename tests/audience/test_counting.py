"""Counting views first-party (#35 item 1): what counts, what is kept and
for how long. No address, no cookie, no Referer, no fingerprint is stored;
bots, previews and staff are not counted; one client's repeats count once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audience import counting, edge
from audience.counting import View, source_of
from audience.models import Source, ViewCount
from audience.services import rollup
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db
READER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0"
OWN = {"news.example.com"}


@pytest.fixture
def app_counting(settings):
    settings.NEWSROOM_AUDIENCE = "app"
    settings.NEWSROOM_AUDIENCE_FLUSH_SECONDS = 0  # flushed by hand here
    settings.ALLOWED_HOSTS = ["testserver", "news.example.com"]
    counting._tally["tally"] = None
    from audience import middleware

    middleware._own.cache_clear()
    yield counting.tally
    counting._tally["tally"] = None


def counts(**where) -> dict:
    return {
        (row.article_id or row.section_id, row.source): row.views
        for row in ViewCount.objects.filter(**where)
    }


@pytest.mark.parametrize(
    "referer, source",
    [
        ("", Source.DIRECT),
        ("not a url", Source.DIRECT),
        ("https://www.google.com/search?q=chips", Source.SEARCH),
        ("https://news.google.co.uk/", Source.SEARCH),
        ("https://duckduckgo.com/", Source.SEARCH),
        ("https://notgoogle.com/", Source.OTHER),
        ("https://t.co/abc", Source.SOCIAL),
        ("https://m.facebook.com/story", Source.SOCIAL),
        ("https://bsky.app/profile/x", Source.SOCIAL),
        ("https://x.com.evil.example/", Source.OTHER),
        ("https://www.news.example.com/2026/", Source.INTERNAL),
        ("https://blog.example.org/post", Source.OTHER),
    ],
)
def test_the_source_comes_from_the_referers_host(referer, source):
    assert source_of(referer, OWN) == source


def test_one_clients_repeats_count_once_and_flushes_add_up(settings):
    article, section = ArticleFactory(), SectionFactory()
    tally = counting.Tally()
    page = f"article:{article.pk}"
    for _ in range(5):
        tally.add(View(page=page, client="203.0.113.7", source=Source.DIRECT))
    tally.add(View(page=page, client="198.51.100.2", source=Source.SEARCH))
    tally.add(View(page=f"section:{section.pk}", client="203.0.113.7", source="direct"))
    assert not tally.add(View(page="article:x", client="1.2.3.4", source="direct"))
    assert not tally.add(View(page=page, client="1.2.3.4", source="forged"))
    assert tally.flush() == 3
    assert counts() == {
        (article.pk, "direct"): 1,
        (article.pk, "search"): 1,
        (section.pk, "direct"): 1,
    }
    tally.add(View(page=page, client="192.0.2.1", source=Source.DIRECT))
    tally.flush()
    assert counts()[(article.pk, "direct")] == 2  # added, not replaced
    gone = ArticleFactory()
    tally.add(View(page=f"article:{gone.pk}", client="192.0.2.9", source="direct"))
    gone.delete()
    tally.flush()  # the deleted story's views are dropped, the rest kept
    assert gone.pk not in {k for k, _ in counts()}


def test_what_is_stored_holds_nothing_about_the_reader():
    fields = {f.name for f in ViewCount._meta.get_fields()}
    assert fields == {
        "id",
        "period",
        "per_day",
        "article",
        "section",
        "source",
        "views",
    }


def test_reader_pages_are_counted_in_the_app(client, app_counting, roles):
    article = ArticleFactory()
    section = article.section
    response = client.get(
        article.get_absolute_url(),
        HTTP_USER_AGENT=READER,
        HTTP_REFERER="https://www.google.com/",
        REMOTE_ADDR="203.0.113.5",
    )
    assert "X-Audience" not in response  # the mark never reaches the reader
    for _ in range(3):  # the same reader again (page-cache hits): once
        client.get(
            article.get_absolute_url(),
            HTTP_USER_AGENT=READER,
            REMOTE_ADDR="203.0.113.5",
        )
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    client.get(section.get_absolute_url(), HTTP_USER_AGENT=READER)
    client.get(
        article.get_absolute_url(), HTTP_USER_AGENT=READER, REMOTE_ADDR="198.51.100.9"
    )
    app_counting().flush()
    assert counts() == {
        (article.pk, "search"): 1,
        (article.pk, "direct"): 1,
        (section.pk, "direct"): 1,
    }


def test_bots_staff_and_previews_are_not_counted(client, app_counting, roles):
    article = ArticleFactory()
    draft = ArticleFactory(draft=True)
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")
    client.get(article.get_absolute_url())  # no User-Agent at all
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="curl/8.5")
    client.force_login(UserFactory(username="ed", is_staff=True, groups="Editor"))
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=READER)
    client.get(f"/preview/{draft.pk}/", HTTP_USER_AGENT=READER)
    app_counting().flush()
    assert counts() == {}


def test_behind_the_edge_the_app_counts_nothing_and_keeps_the_mark(client, settings):
    settings.NEWSROOM_AUDIENCE = "edge"
    article = ArticleFactory()
    response = client.get(article.get_absolute_url(), HTTP_USER_AGENT=READER)
    assert response["X-Audience"] == f"article:{article.pk}"  # for the edge's log
    assert counting.tally().pending() == 0


def test_the_edge_log_lines_are_counted(settings):
    article = ArticleFactory()
    record = "{:>10} VCL_Log        c audience:article:{} {} {}\n"
    lines = [
        record.format(32770, article.pk, "search", "203.0.113.5"),
        record.format(32772, article.pk, "search", "203.0.113.5"),  # a repeat
        record.format(32774, article.pk, "social", "2001:db8::1"),
        "garbage\n",
        "     32776 VCL_call       c DELIVER\n",
        record.format(32778, article.pk, "invented", "198.51.100.2"),
    ]
    tally = counting.Tally()
    assert edge.read(iter(lines), tally) == 6
    tally.flush()
    assert counts() == {(article.pk, "search"): 1, (article.pk, "social"): 1}


def test_the_edges_rules_are_the_apps():
    vcl = edge.audience_vcl({"news.example.com"})
    assert counting.BOTS.pattern in vcl
    assert r"(^|\.)news\.example\.com$" in vcl
    assert 'std.log("audience:" + resp.http.X-Audience' in vcl
    assert "client.ip" in vcl
    assert "Referer)" in vcl and 'std.log("audience:" + req.http.Referer' not in vcl
    assert "unset resp.http.X-Audience;" in vcl


def test_old_minutes_become_days_and_old_days_go(settings):
    article = ArticleFactory()
    now = timezone.now()
    old = now - timedelta(days=settings.NEWSROOM_AUDIENCE_MINUTE_DAYS + 2)
    day = old.replace(hour=10, minute=0, second=0, microsecond=0)
    for minute, views in ((0, 3), (1, 4), (60 * 5, 5)):
        ViewCount.objects.create(
            period=day + timedelta(minutes=minute), article=article, source="direct",
            views=views,
        )  # fmt: skip
    recent = ViewCount.objects.create(
        period=now.replace(second=0, microsecond=0), article=article,
        source="direct", views=9,
    )  # fmt: skip
    ancient = ViewCount.objects.create(
        period=(now - timedelta(days=settings.NEWSROOM_AUDIENCE_DAY_DAYS + 5)).replace(
            hour=0, minute=0, second=0, microsecond=0
        ),
        per_day=True, article=article, source="direct", views=1,
    )  # fmt: skip
    rolled, dropped = rollup(now)
    assert (rolled, dropped) == (3, 1)
    day_row = ViewCount.objects.get(per_day=True)
    assert day_row.views == 12 and day_row.period == day.replace(hour=0)
    assert ViewCount.objects.filter(pk=recent.pk).exists()
    assert not ViewCount.objects.filter(pk=ancient.pk).exists()
    assert rollup(now) == (0, 0)  # again: nothing left to do
