import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest
from django.utils import timezone

from articles.models import Article
from comments.models import held_article_ids
from comments.preferences import current
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    TagFactory,
    image_file,
)

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 8


@pytest.fixture
def world():
    """Published stories around hidden ones, sharing section, tag and author."""
    now = timezone.now()
    section = SectionFactory(name="Hot News", slug="hot-news")
    tag = TagFactory(name="Leica", slug="leica")
    author = AuthorProfileFactory(display_name="Julia Santos", slug="julia-santos")
    common = {"section": section, "tags": [tag], "authors": [author]}
    first = ArticleFactory(
        title="Zebra first visible", published_at=now - timedelta(days=3), **common
    )
    hidden = {
        "draft-past": ArticleFactory(
            title="Zebra draft past",
            status=Article.Status.DRAFT,
            published_at=now - timedelta(days=2, hours=2),
            **common,
        ),
        "draft-future": ArticleFactory(
            title="Zebra draft future",
            status=Article.Status.DRAFT,
            published_at=now + timedelta(days=1),
            **common,
        ),
        "review-past": ArticleFactory(
            title="Zebra review past",
            status=Article.Status.IN_REVIEW,
            published_at=now - timedelta(days=2, hours=1),
            **common,
        ),
        "review-future": ArticleFactory(
            title="Zebra review future",
            status=Article.Status.IN_REVIEW,
            published_at=now + timedelta(days=2),
            **common,
        ),
        "published-future": ArticleFactory(
            title="Zebra scheduled future",
            status=Article.Status.PUBLISHED,
            published_at=now + timedelta(hours=3),
            **common,
        ),
        "draft-none": ArticleFactory(title="Zebra draft undated", draft=True, **common),
    }
    second = ArticleFactory(
        title="Zebra second visible", published_at=now - timedelta(days=1), **common
    )
    return {
        "section": section,
        "tag": tag,
        "author": author,
        "visible": [first, second],
        "hidden": hidden,
    }


def surfaces(world):
    section, tag, author = world["section"], world["tag"], world["author"]
    first = world["visible"][0]
    return [
        "/",
        first.get_absolute_url(),
        section.get_absolute_url(),
        tag.get_absolute_url(),
        author.get_absolute_url(),
        "/search/?q=zebra",
        "/feed/",
        "/feed/atom/",
        f"/section/{section.slug}/feed/",
        f"/section/{section.slug}/atom/",
        f"/authors/{author.slug}/feed/",
        f"/authors/{author.slug}/atom/",
        "/sitemap-articles.xml",
        "/news-sitemap.xml",
    ]


def test_hidden_articles_never_leak_anywhere(client, world):
    for url in surfaces(world):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for state, article in world["hidden"].items():
            assert article.title not in content, f"{state} leaked on {url}"
            assert article.slug not in content, f"{state} slug leaked on {url}"


def test_visible_articles_appear_everywhere(client, world):
    first, second = world["visible"]
    for url in surfaces(world):
        content = client.get(url).content.decode()
        if url == first.get_absolute_url():
            assert second.title in content  # as next article / related
        elif url != "/news-sitemap.xml":
            assert first.title in content or first.slug in content, url


@pytest.mark.parametrize(
    "state",
    [
        "draft-past",
        "draft-future",
        "review-past",
        "review-future",
        "published-future",
    ],
)
def test_hidden_article_page_is_404(client, world, state):
    article = world["hidden"][state]
    at = article.published_at
    day = timezone.localdate(at)
    url = f"/{day.year}/{day.month:02d}/{day.day:02d}/{article.slug}/"
    assert client.get(url).status_code == 404


def test_scheduled_article_appears_on_time_without_cron(client, world):
    scheduled = world["hidden"]["published-future"]
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    scheduled.refresh_from_db()
    assert client.get("/").content.decode().count(scheduled.title) >= 1


def test_previous_and_next_skip_hidden_articles(client, world):
    first, second = world["visible"]
    content = client.get(first.get_absolute_url()).content.decode()
    assert "Next article" in content
    assert f'href="{second.get_absolute_url()}" rel="next"' in content
    content = client.get(second.get_absolute_url()).content.decode()
    assert f'href="{first.get_absolute_url()}" rel="prev"' in content


def test_article_page_has_every_element_of_the_model_page(client, media_root):
    from tests.factories import image_file

    section = SectionFactory(name="Hot News", slug="hot-news")
    author = AuthorProfileFactory(
        display_name="Julia Santos",
        job_title="Reporter",
        bio="I am a passionate and hardworking journalist with an eye for detail.",
    )
    author.photo = image_file("julia.jpg", size=(200, 200))
    author.save()
    from articles.services import article_refresh_renditions, author_refresh_photo

    author_refresh_photo(profile=author)  # as the admin does after an upload
    before = ArticleFactory(title="New planet detected", section=section)
    article = ArticleFactory(
        title="Xiaomi and Leica open a joint optical institute",
        standfirst="Three laboratories in Beijing.",
        body="<p>Xiaomi and photography company Leica announced.</p>"
        "<h2>Leica and Xiaomi already have long-standing partnerships</h2>",
        section=section,
        authors=[author],
        tags=[TagFactory(name="Xiaomi")],
        source_name="Tec Mundo",
        source_url="https://www.tecmundo.com.br/",
        featured_image=image_file(),
        featured_image_alt="Leica lens",
        featured_image_caption="The new lab",
        featured_image_credit="Xiaomi",
    )
    article_refresh_renditions(article=article)
    after = ArticleFactory(title="Jim Ryan reveals his challenge", section=section)
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Xiaomi and Leica open a joint optical institute</h1>" in html
    assert "Three laboratories in Beijing." in html
    assert f'<a href="{author.get_absolute_url()}">Julia Santos</a>' in html
    assert f'href="{section.get_absolute_url()}">Hot News</a>' in html
    assert "<h2>Leica and Xiaomi already have long-standing partnerships</h2>" in html
    assert (
        'Source: <a href="https://www.tecmundo.com.br/" rel="nofollow noopener"' in html
    )
    assert "Previous article" in html and before.title in html
    assert "Next article" in html and after.title in html
    assert "I am a passionate and hardworking journalist" in html
    assert 'alt="Photo of Julia Santos"' in html
    # The public square, re-encoded, never the upload (EXIF, GPS) itself.
    author.refresh_from_db()
    assert re.fullmatch(r"avatars/[0-9a-f]{20}\.webp", author.photo_rendition)
    assert f'<img src="/media/{author.photo_rendition}"' in html
    assert author.photo.name not in html and article.featured_image.name not in html
    assert "The new lab" in html and "Xiaomi</span>" in html
    assert re.search(r'<img src="[^"]+" srcset="[^"]+ 320w, [^"]+" sizes="', html)
    assert 'type="image/webp"' in html
    assert 'width="1600" height="900" alt="Leica lens"' in html
    assert '<meta property="og:image"' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (
        f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">'
        in html
    )
    assert 'href="/tag/' in html
    assert "Related articles" in html


def test_json_ld_news_article(client):
    author = AuthorProfileFactory(display_name="Julia Santos", slug="julia")
    article = ArticleFactory(
        title="Quote </script> test",
        authors=[author],
        source_url="https://www.tecmundo.com.br/x",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    raw = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
    ).group(1)
    data = json.loads(raw)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Quote </script> test"
    assert data["datePublished"] and data["dateModified"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Julia Santos",
            "url": "http://testserver/authors/julia/",
        }
    ]
    assert data["publisher"]["name"] == "Newsroom"
    assert data["articleSection"] == article.section.name
    assert data["isBasedOn"] == "https://www.tecmundo.com.br/x"


def test_feeds_parse_without_errors(client, world):
    for url in [
        "/feed/",
        "/feed/atom/",
        "/section/hot-news/feed/",
        "/section/hot-news/atom/",
        "/authors/julia-santos/feed/",
        "/authors/julia-santos/atom/",
    ]:
        parsed = feedparser.parse(client.get(url).content)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        titles = {entry.title for entry in parsed.entries}
        assert titles == {a.title for a in world["visible"]}, url


def test_feeds_are_announced_in_page_head(client, world):
    html = client.get(world["section"].get_absolute_url()).content.decode()
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert 'href="/section/hot-news/atom/"' in html


def _locs(xml: bytes) -> list[str]:
    root = ElementTree.fromstring(xml)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [el.text for el in root.iterfind(".//s:loc", ns)]


def test_sitemaps_list_exactly_the_published_urls(client, world):
    index = _locs(client.get("/sitemap.xml").content)
    assert {u.rsplit("/", 1)[-1] for u in index} == {
        "sitemap-articles.xml",
        "sitemap-sections.xml",
        "sitemap-authors.xml",
    }
    articles = _locs(client.get("/sitemap-articles.xml").content)
    expected = {"http://testserver" + a.get_absolute_url() for a in world["visible"]}
    assert set(articles) == expected
    assert b"<lastmod>" in client.get("/sitemap-articles.xml").content
    sections = _locs(client.get("/sitemap-sections.xml").content)
    assert sections == ["http://testserver/section/hot-news/"]
    authors = _locs(client.get("/sitemap-authors.xml").content)
    assert authors == ["http://testserver/authors/julia-santos/"]


def test_news_sitemap_covers_last_48_hours(client, world):
    xml = client.get("/news-sitemap.xml").content
    locs = _locs(xml)
    assert locs == ["http://testserver" + world["visible"][1].get_absolute_url()]
    assert b"<news:publication_date>" in xml


def test_robots_names_the_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 5000,
        "'; DROP TABLE articles_article; --",
        "\x00nul",
        "(((",
        '"unterminated',
        "-",
        "!!!",
        "<script>alert(1)</script>",
        "\u202eevil",
        "a & | ! :*",
    ],
)
def test_search_answers_politely_to_any_query(client, world, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_search_ranks_title_above_body_and_highlights(client):
    body_hit = ArticleFactory(title="Other", body="<p>The quantum chip story.</p>")
    title_hit = ArticleFactory(title="Quantum leap", body="<p>Nothing here.</p>")
    ArticleFactory(title="Quantum draft", draft=True)
    response = client.get("/search/", {"q": "quantum"})
    results = list(response.context["articles"])
    assert results == [title_hit, body_hit]
    assert "<mark>quantum</mark>" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1e9"])
def test_bad_page_numbers_are_404_not_500(client, world, page):
    assert client.get("/", {"page": page}).status_code == 404


def test_unknown_section_tag_author_are_404(client, db):
    for url in [
        "/section/nope/",
        "/tag/nope/",
        "/authors/nope/",
        "/section/nope/feed/",
    ]:
        assert client.get(url).status_code == 404


def test_inactive_author_has_no_page(client):
    author = AuthorProfileFactory(is_active=False)
    assert client.get(author.get_absolute_url()).status_code == 404


@pytest.fixture
def big_world(media_root):
    from tests.factories import image_file

    sections = [SectionFactory() for _ in range(5)]
    tags = [TagFactory() for _ in range(6)]
    authors = [AuthorProfileFactory() for _ in range(4)]
    image = image_file(size=(400, 225))
    articles = []
    for i in range(40):
        articles.append(
            ArticleFactory(
                section=sections[i % 5],
                tags=tags[i % 3 : i % 3 + 3],
                authors=authors[i % 2 : i % 2 + 2],
                featured_image=image,
                featured_image_alt="x",
            )
        )
    return {
        "sections": sections,
        "tags": tags,
        "authors": authors,
        "articles": articles,
    }


def test_reader_pages_stay_within_query_budget(
    client, big_world, django_assert_max_num_queries
):
    article = big_world["articles"][20]
    urls = [
        "/",
        "/?page=2",
        article.get_absolute_url(),
        big_world["sections"][0].get_absolute_url(),
        big_world["tags"][1].get_absolute_url(),
        big_world["authors"][1].get_absolute_url(),
        "/search/?q=story",
        "/feed/",
        "/feed/atom/",
        f"/section/{big_world['sections'][0].slug}/feed/",
        f"/authors/{big_world['authors'][0].slug}/feed/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/news-sitemap.xml",
    ]
    # Site-wide facts read once per process and version, not per page: the
    # moderation settings, the stories under legal hold, the breaking-news
    # banner and "most read" (kept as fragments).
    current()
    held_article_ids()
    client.get("/breaking/"), client.get("/most-read/")
    for url in urls:
        with django_assert_max_num_queries(QUERY_BUDGET):
            assert client.get(url).status_code == 200, url


def test_until_its_renditions_exist_an_image_is_a_placeholder_of_its_size(client):
    """Renditions are a worker's job: meanwhile the page shows a box of the
    image's size (no layout shift), never the upload (its EXIF and GPS)."""
    article = ArticleFactory(
        featured_image=image_file("phone.jpg", size=(1400, 700)),
        featured_image_alt="A harbour",
    )
    assert article.featured_image_renditions == {}  # no job has run
    html = client.get(article.get_absolute_url()).content.decode()
    assert re.search(
        r'<img src="/static/img/placeholder[.0-9a-f]*\.svg" alt="A harbour" '
        r'width="1400" height="700" class="[^"]*image-placeholder"',
        html,
    )
    assert article.featured_image.name not in html
    assert 'property="og:image"' not in html  # no card image until then
