"""The home grid without featured images (#28 item 8): a story without one
shows the first image of its body (the site's own only), also as its
social-card and JSON-LD picture and its feeds' enclosure; a story with
neither gets a box of a picture's shape, so the grid stays even."""

import json
import re

import feedparser
import pytest
from django.core.files.base import ContentFile

from articles.images import public_storage, public_url
from tests.factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def body_picture(media_root):
    name = public_storage().save("body/lab.jpg", ContentFile(image_file().read()))
    return public_url(name)


def card_of(html: str, title: str) -> str:
    end = html.index(f">{title}</a>")
    return html[html.rindex('<article class="card', 0, end) : end]


def test_a_story_without_a_featured_image_shows_its_first_body_image(
    client, body_picture
):
    article = ArticleFactory(
        title="Inside the lab",
        body=(
            '<p>Intro.</p><img src="https://elsewhere.example/tracker.jpg" alt="x">'
            f'<figure class="figure"><img src="{body_picture}" alt="The clean room"'
            ' width="1600" height="900"><figcaption>Clean room</figcaption></figure>'
        ),
    )
    ArticleFactory(title="Lead story")  # newer: leads, so ours is a card
    assert article.body_image == {
        "src": body_picture,
        "alt": "The clean room",
        "width": "1600",
        "height": "900",
    }
    card = card_of(client.get("/").content.decode(), "Inside the lab")
    assert f'<img src="{body_picture}" alt="The clean room"' in card
    assert "elsewhere.example" not in card
    page = client.get(article.get_absolute_url()).content.decode()
    absolute = f"http://testserver{body_picture}"
    assert f'<meta property="og:image" content="{absolute}">' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["image"] == [absolute]
    entry = next(
        e
        for e in feedparser.parse(client.get("/feed/").content).entries
        if e.title == "Inside the lab"
    )
    (enclosure,) = entry.enclosures
    assert enclosure.href == absolute and enclosure.type == "image/jpeg"
    assert int(enclosure.length) > 0


def test_another_sites_image_is_never_the_storys_picture(client):
    article = ArticleFactory(
        body='<p><img src="https://elsewhere.example/a.jpg" alt="Theirs"></p>'
    )
    assert article.body_image == {} and article.share_image_url == ""


def test_a_story_with_no_picture_gets_a_box_of_a_pictures_shape(client):
    ArticleFactory(title="Words only", section__name="Science")
    ArticleFactory(title="Lead story")
    card = card_of(client.get("/").content.decode(), "Words only")
    assert (
        '<div class="card-img-top card-img-none" aria-hidden="true">'
        "<span>Science</span></div>"
    ) in card
