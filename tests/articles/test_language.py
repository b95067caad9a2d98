"""Each story in its own language: lang and dir on the story, inLanguage."""

import json
import re

import pytest

from articles.models import language_code, site_language
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("tag", "code"),
    [("en-US", "en"), ("pt_BR", "pt-br"), ("ar", "ar"), ("zh-CN", "zh-hans"),
     ("es-419", "es"), ("xx-YY", None), ("", None)],
)  # fmt: skip
def test_language_tags_as_others_write_them(tag, code):
    assert language_code(tag) == code


def test_a_new_story_is_in_the_sites_language():
    assert site_language() == "en"
    assert ArticleFactory().language == "en"


def story_attributes(html: str) -> dict:
    match = re.search(r'<div class="story" lang="([^"]+)" dir="([^"]+)">', html)
    return {"lang": match[1], "dir": match[2]}


def jsonld(html: str) -> dict:
    text = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
    )
    return json.loads(text[1])


def test_an_arabic_story_reads_right_to_left(client):
    article = ArticleFactory(title="ارتفاع أسعار الهواتف", language="ar")
    html = client.get(article.get_absolute_url()).content.decode()
    assert story_attributes(html) == {"lang": "ar", "dir": "rtl"}
    assert jsonld(html)["inLanguage"] == "ar"
    assert '<html lang="en" dir="ltr">' in html  # the site around it stays English


def test_an_english_story_reads_left_to_right(client):
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert story_attributes(html) == {"lang": "en", "dir": "ltr"}
    assert jsonld(html)["inLanguage"] == "en"


def test_a_foreign_headline_in_a_listing_carries_its_language(client):
    arabic = ArticleFactory(title="ارتفاع أسعار الهواتف", language="ar")
    english = ArticleFactory(title="Phone prices rise")
    for url in ["/", arabic.section.get_absolute_url(), "/search/?q=الهواتف"]:
        html = client.get(url).content.decode()
        assert re.search(
            r'<h[23] class="h5[^"]*" lang="ar" dir="rtl"><a[^>]*>ارتفاع', html
        ), url
    home = client.get("/").content.decode()
    assert re.search(r"<h[23][^>]*><a[^>]*>Phone prices rise", home)
    assert not re.search(r'lang="en"[^>]*><a[^>]*>Phone prices rise', home)
    neighbour = client.get(english.get_absolute_url()).content.decode()
    assert '<span lang="ar" dir="rtl">ارتفاع أسعار الهواتف</span>' in neighbour


def test_comments_take_the_direction_of_what_was_written(client):
    from tests.factories import CommentFactory

    article = ArticleFactory()
    CommentFactory(article=article, name="سارة", body="مقال رائع")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<strong class="comment-author" dir="auto">سارة</strong>' in html
    assert '<div class="comment-body" dir="auto">' in html
    assert re.search(
        r'<textarea[^>]*dir="auto"[^>]*name="body"|<textarea[^>]*name="body"[^>]*dir="auto"',
        html,
    )
