"""Slugs in any script: made from any headline, through every URL kind, and
reached by either hex case of their percent-encoding."""

import re

import pytest

from articles.models import Article, make_slug
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

ARABIC = "ارتفاع أسعار الهواتف في العالم العربي"
CHINESE = "小米与徕卡合作成立光学研究院"


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        (ARABIC, "ارتفاع-أسعار-الهواتف-في-العالم-العربي"),
        (CHINESE, CHINESE),
        ("Ciência & Saúde: o que muda", "ciência-saúde-o-que-muda"),
        ("Xiaomi and Leica", "xiaomi-and-leica"),
    ],
)
def test_a_slug_is_made_in_the_headlines_own_script(headline, slug):
    assert make_slug(headline, 200) == slug


def test_long_slugs_are_cut_at_a_word_boundary():
    assert make_slug("word " * 60, 50) == "-".join(["word"] * 10)
    assert len(make_slug(CHINESE * 20, 50)) == 50  # no spaces: cut where it must


def test_an_article_saved_without_a_slug_gets_a_readable_one():
    article = ArticleFactory(title=CHINESE, slug="")
    assert Article.objects.get(pk=article.pk).slug == CHINESE


def encodings(url: str) -> set[str]:
    """The address as reverse() gives it (upper-case hex) and as WordPress
    writes it (lower-case)."""
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), url)
    assert lower != url
    return {url, lower}


def test_every_url_kind_with_unicode_slugs(client):
    section = SectionFactory(name="ثقافة", slug="ثقافة")
    tag = TagFactory(name="科技", slug="科技")
    author = AuthorProfileFactory(display_name="Zé Ninguém", slug="zé-ninguém")
    article = ArticleFactory(
        title=ARABIC, slug="", section=section, tags=[tag], authors=[author]
    )
    urls = [
        article.get_absolute_url(),
        section.get_absolute_url(),
        f"{section.get_absolute_url()}feed/",
        tag.get_absolute_url(),
        author.get_absolute_url(),
        f"{author.get_absolute_url()}feed/",
    ]
    for url in urls:
        assert "%" in url  # reverse() gives the encoded address
        for form in encodings(url):
            response = client.get(form)
            assert response.status_code == 200, (form, response.status_code)
    page = client.get(article.get_absolute_url()).content.decode()
    assert tag.get_absolute_url() in page  # the tag link: no NoReverseMatch
    sitemap = client.get("/sitemap-articles.xml").content.decode()
    assert f"http://testserver{article.get_absolute_url()}" in sitemap
