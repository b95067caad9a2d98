"""The public comment endpoint without CSRF tokens: forged cross-site posts
are refused by fetch metadata and Origin (compared with the configured site
origin), and signed-in users still need Django's token."""

import re

import pytest
from django.test import Client

from comments.forms import sign_timestamp
from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    return ArticleFactory()


def post(client, article, headers=None, **extra):
    data = {"name": "Ana", "email": "ana@example.com", "body": "Typed text",
            "ts": sign_timestamp(), **extra}  # fmt: skip
    return client.post(f"/comments/post/{article.pk}/", data, headers=headers or {})


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site", "origin": "http://testserver"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "same-origin", "origin": "http://testserver.evil.example"},
    ],
)
def test_forged_cross_site_posts_are_refused(client, article, headers):
    response = post(client, article, headers)
    assert response.status_code == 403
    html = response.content.decode()
    assert "did not come from this site" in html
    assert "Typed text" in html  # nothing lost
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin", "origin": "http://testserver"},
        {"sec-fetch-site": "none"},
        {},  # no browser: a script cannot be a forged cross-site request
    ],
)
def test_the_sites_own_form_posts(client, article, headers):
    assert post(client, article, headers).status_code == 303
    assert Comment.objects.count() == 1


def test_origin_is_compared_with_the_configured_site_not_the_host(
    client, article, settings
):
    settings.NEWSROOM_BASE_URL = "https://news.example.com"
    same = {"sec-fetch-site": "same-origin"}
    # A Host the request chose does not make its Origin the site's.
    refused = post(client, article, {**same, "origin": "http://testserver"})
    assert refused.status_code == 403
    accepted = post(client, article, {**same, "origin": "https://news.example.com"})
    assert accepted.status_code == 303


def test_a_signed_in_user_needs_djangos_token(article, roles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="staff", groups="Editor"))
    same = {"sec-fetch-site": "same-origin", "origin": "http://testserver"}
    refused = post(client, article, same)
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "signed in or out" in html and "Typed text" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    assert post(client, article, same, csrfmiddlewaretoken=token).status_code == 303
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page  # a signed-in page has one


def test_production_must_name_the_sites_origin(settings):
    from infra.checks import site_origin_is_configured

    settings.NEWSROOM_BASE_URL = ""
    assert [e.id for e in site_origin_is_configured()] == ["newsroom.E001"]
    settings.NEWSROOM_BASE_URL = "news.example.com"
    assert [e.id for e in site_origin_is_configured()] == ["newsroom.E001"]
    settings.NEWSROOM_BASE_URL = "https://news.example.com"
    assert site_origin_is_configured() == []


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:8080", True),  # the base URL
        ("http://localhost:8080", True),  # an allowed host, as served
        ("http://LOCALHOST:8080", True),
        ("http://localhost:9999", False),  # not where the site is served
        ("https://localhost:8080", False),
        ("http://news.example.com:8080", False),  # only by a wildcard
        ("http://evil.example:8080", False),  # only by "*"
    ],
)
def test_every_origin_the_site_is_served_at_and_only_those(
    client, article, settings, origin, allowed
):
    settings.NEWSROOM_BASE_URL = "http://127.0.0.1:8080"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", ".example.com", "*"]
    response = post(
        client, article, headers={"origin": origin, "sec-fetch-site": "same-origin"}
    )
    assert (response.status_code == 303) is allowed, response.status_code
