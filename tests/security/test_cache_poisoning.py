"""Nothing a visitor sends is planted in a cached page.

Every page type a cache keeps is requested first with query parameters the
caches do not key on (and another allowed host); the copy a later reader
gets from the page cache must hold none of it, and its absolute links are
the site's configured address.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

BASE = "https://news.example.com"
POISON = "utm_source=poison&q=chip&fbclid=planted&page_x=evil"


@pytest.fixture
def site(settings):
    settings.NEWSROOM_BASE_URL = BASE
    settings.NEWSROOM_PAGE_CACHE = True
    section = SectionFactory(slug="hot-news", name="Hot News")
    tag = TagFactory(slug="chips", name="Chips")
    author = AuthorProfileFactory(slug="ana", display_name="Ana")
    article = ArticleFactory(
        section=section,
        tags=[tag],
        authors=[author],
        published_at=timezone.now() - timedelta(hours=1),  # in the news sitemap
    )
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": "/section/hot-news/",
        "tag": "/tag/chips/",
        "author": "/authors/ana/",
        "corrections": "/corrections/",
        "feed": "/feed/",
        "atom": "/feed/atom/",
        "section feed": "/section/hot-news/feed/",
        "author feed": "/authors/ana/feed/",
        "corrections feed": "/corrections/feed/",
        "sitemap": "/sitemap.xml",
        "news sitemap": "/news-sitemap.xml",
    }


PAGES = [
    "home",
    "article",
    "section",
    "tag",
    "author",
    "corrections",
    "feed",
    "atom",
    "section feed",
    "author feed",
    "corrections feed",
    "sitemap",
    "news sitemap",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_cached_page_holds_nothing_the_first_visitor_sent(site, page):
    path = site[page]
    first = Client().get(f"{path}?{POISON}", HTTP_HOST="localhost")
    assert first.status_code == 200
    later = Client().get(path, HTTP_HOST="localhost")
    assert later["X-Page-Cache"] == "hit"  # the copy the first request left
    content = later.content.decode()
    for planted in ("poison", "chip&", "q=chip", "planted", "page_x", "localhost"):
        assert planted not in content, planted
    assert BASE in content


def test_the_canonical_link_keeps_the_listing_page_only(site):
    ArticleFactory.create_batch(25, section__slug="hot-news")
    html = Client().get("/section/hot-news/?page=2&utm_source=x&q=y").content.decode()
    assert f'<link rel="canonical" href="{BASE}/section/hot-news/?page=2">' in html
    assert 'href="?page=1"' in html or 'href="?page=3"' in html
    assert "utm_source" not in html and "q=y" not in html


def test_the_search_pages_keep_the_query(site):
    ArticleFactory.create_batch(25, title="Chip news")
    html = Client().get("/search/?q=chip&utm_source=x").content.decode()
    assert "q=chip&amp;page=2" in html or "page=2&amp;q=chip" in html


def test_robots_txt_names_the_sites_own_sitemaps(site):
    text = Client().get("/robots.txt", HTTP_HOST="localhost").content.decode()
    assert f"Sitemap: {BASE}/sitemap.xml" in text
    assert "localhost" not in text
