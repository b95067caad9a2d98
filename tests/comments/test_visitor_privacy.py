"""Two readers never see each other's data, whatever the page cache holds."""

import pytest
from django.conf import settings
from django.test import Client

from comments.models import Comment
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Rafaela Quintanilha", "rafaela.q@example.org"


@pytest.fixture
def article():
    return ArticleFactory(title="Xiaomi and Leica")


def remembered_reader(post_comment, article) -> Client:
    """A reader whose comment was approved and who asked to be remembered."""
    reader = Client()
    response = post_comment(
        article, using=reader, remember="on", name=NAME, email=EMAIL
    )
    assert response.status_code == 303
    Comment.objects.filter(email=EMAIL).update(status=Comment.Status.APPROVED)
    reader.cookies.pop(settings.COMMENTS_PENDING_COOKIE, None)
    assert settings.COMMENTS_AUTHOR_COOKIE in reader.cookies
    return reader


def test_remembered_reader_page_is_not_served_to_another(post_comment, article):
    reader = remembered_reader(post_comment, article)
    url = article.get_absolute_url()
    own = reader.get(url)
    assert f'value="{NAME}"' in own.content.decode()
    assert "private" in own["Cache-Control"]
    assert own.get("X-Page-Cache") is None  # neither served from nor stored
    for _ in range(2):  # the second would be a hit if the first was stored
        other = Client().get(url)
        html = other.content.decode()
        assert f'value="{NAME}"' not in html and EMAIL not in html
    assert other["X-Page-Cache"] == "hit"


def test_cached_page_is_not_served_to_a_remembered_reader(post_comment, article):
    reader = remembered_reader(post_comment, article)
    url = article.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    own = reader.get(url)
    assert own.get("X-Page-Cache") is None
    assert f'value="{NAME}"' in own.content.decode()


@pytest.mark.parametrize("cookie", settings.NEWSROOM_VISITOR_COOKIES)
def test_every_visitor_cookie_bypasses_the_page_cache(cookie, article):
    url = article.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    visitor = Client()
    visitor.cookies[cookie] = "anything"
    response = visitor.get(url)
    assert response.get("X-Page-Cache") is None
    assert "private" in response["Cache-Control"]


def test_a_page_marked_per_visitor_is_never_stored(
    client, article, post_comment, settings
):
    """A pending commenter's page shows their comment: even with the cookie
    list emptied (a misconfiguration), that page is not stored."""
    response = post_comment(article, body="Mine, awaiting moderation")
    assert response.status_code == 303
    settings.NEWSROOM_VISITOR_COOKIES = []
    url = article.get_absolute_url()
    assert "Mine, awaiting moderation" in client.get(url).content.decode()
    html = Client().get(url).content.decode()
    assert "Mine, awaiting moderation" not in html


def test_unknown_query_parameters_share_one_entry(client, article):
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    for n in range(5):
        assert client.get(f"{url}?x={n}&utm_source=feed")["X-Page-Cache"] == "hit"
    assert client.get(f"{url}?cpage=2")["X-Page-Cache"] == "miss"


def test_wordpress_id_links_are_not_answered_by_the_cached_home(client):
    """`?p=` is a page-shaping parameter: a cached home page must not
    swallow the legacy redirect (wpimport)."""
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    response = client.get("/?p=424242")
    assert response.get("X-Page-Cache") != "hit"
