"""Feeds and structured data as a publisher's audit checks them (#28 item
10): the standfirst goes out as text, a correction's GUID is absolute and
not a permalink, every story with a featured image carries it as an
enclosure with type and size, and NewsArticle names the publisher's logo.
Checked with feedparser, as readers' apps parse feeds."""

import html
import json
import re

import feedparser
import pytest
from django.contrib.staticfiles import finders

from articles.models import Correction
from articles.services import article_refresh_renditions
from tests.factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)"> Chips & <b>wafers</b>'


def test_the_standfirst_goes_out_as_text(client):
    ArticleFactory(title="Fab news", standfirst=HOSTILE)
    for url in ("/feed/", "/feed/atom/"):
        (entry,) = feedparser.parse(client.get(url).content).entries
        # HTML whose text is the standfirst: no element of it survives.
        assert entry.summary_detail.type == "text/html", url
        assert "<img" not in entry.summary and "<b>" not in entry.summary
        assert html.unescape(entry.summary) == HOSTILE, url


def test_a_corrections_guid_is_absolute_and_not_a_permalink(client):
    article = ArticleFactory()
    Correction.objects.create(article=article, note="The plant opens in May.")
    xml = client.get("/corrections/feed/").content.decode()
    guid = re.search(r"<guid([^>]*)>([^<]+)</guid>", xml)
    assert 'isPermaLink="false"' in guid[1]
    assert guid[2].startswith("http://testserver/") and "#correction-" in guid[2]
    (entry,) = feedparser.parse(xml).entries
    assert entry.id == guid[2]


def test_the_featured_image_is_an_enclosure_with_type_and_size(client, media_root):
    article = ArticleFactory(featured_image=image_file(), featured_image_alt="Lab")
    article_refresh_renditions(article=article)
    ArticleFactory(title="No picture")
    article.refresh_from_db()
    url, mime, size = article.share_image_file
    assert size and mime == "image/jpeg"
    for feed in ("/feed/", "/feed/atom/"):
        parsed = feedparser.parse(client.get(feed).content)
        by_title = {e.title: e for e in parsed.entries}
        (enclosure,) = by_title[article.title].enclosures
        assert enclosure.href == f"http://testserver{url}", feed
        assert (enclosure.type, int(enclosure.length)) == ("image/jpeg", size)
        assert by_title["No picture"].enclosures == []


def test_an_older_rendition_without_a_recorded_size_is_measured(client, media_root):
    article = ArticleFactory(featured_image=image_file(), featured_image_alt="Lab")
    article_refresh_renditions(article=article)
    article.refresh_from_db()
    renditions = {**article.featured_image_renditions}
    size = renditions.pop("bytes")[renditions["fallback"][-1][0]]
    type(article).objects.filter(pk=article.pk).update(
        featured_image_renditions=renditions
    )
    (entry,) = feedparser.parse(client.get("/feed/").content).entries
    assert int(entry.enclosures[0].length) == size


def test_news_article_names_the_publishers_logo(client):
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    logo = data["publisher"]["logo"]
    assert logo["@type"] == "ImageObject"
    path = logo["url"].removeprefix("http://testserver/static/")
    assert path == "img/publisher-logo.png" and finders.find(path)
