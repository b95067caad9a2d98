"""Headers a security review expects, error and lockout pages that are
valid HTML, and a refused `next` after login that lands in the admin."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import ArticleFactory, UserFactory
from tests.pagecheck import assert_valid_html

pytestmark = pytest.mark.django_db

OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


@pytest.fixture
def article():
    return ArticleFactory()


def test_every_kind_of_response_carries_the_permissions_policy(client, article):
    staff = Client()
    staff.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    responses = {
        "home": client.get("/"),
        "home again (page cache)": client.get("/"),
        "article": client.get(article.get_absolute_url()),
        "feed": client.get("/feed/"),
        "404": client.get("/no-such-page/"),
        "400": staff.get("/admin/articles/auditentry/", {"at__year": "9" * 30}),
        "admin login": client.get("/admin/login/"),
        "comment post": client.post(f"/comments/post/{article.pk}/", {}),
        "413": client.post(
            f"/comments/post/{article.pk}/",
            data=b"x",
            content_type="text/plain",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
        ),
    }
    assert responses["home again (page cache)"]["X-Page-Cache"] == "hit"
    assert responses["413"].status_code == 413
    assert responses["400"].status_code == 400
    for name, response in responses.items():
        policy = response.get("Permissions-Policy", "")
        assert all(feature in policy for feature in OFF), name


def locked_out_page():
    client = Client()
    UserFactory(username="ed", is_staff=True)
    for _ in range(6):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": "ed", "password": "wrong"},
            REMOTE_ADDR="198.51.100.1",
        )
    assert response.status_code == 429
    return response.content.decode()


def test_the_lockout_page_is_a_valid_page_with_a_title(tmp_path):
    html = locked_out_page()
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1].strip()
    assert title.startswith("Sign-in locked")
    # No attribute written as text outside a tag (Django's login template
    # prints `nonce="…"` for a form the lockout page does not have).
    assert not re.search(r'>\s*nonce="', html)
    assert "Too many failed login attempts" in html
    assert_valid_html({"lockout": html}, tmp_path)


def test_the_error_pages_are_valid_html(client, tmp_path):
    pages = {
        "400": render_to_string("400.html"),
        "404": client.get("/no-such-page/").content.decode(),
        "413": render_to_string("413.html", {"limit_mb": 1}),
        "500": render_to_string("500.html"),
        "503": render_to_string("503.html"),
    }
    assert "Bad request" in pages["400"]
    assert_valid_html(pages, tmp_path)


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_a_refused_next_after_login_goes_to_the_admin(next_url):
    UserFactory(username="ed", is_staff=True)
    client = Client()
    response = client.post(
        f"/admin/login/?next={next_url}",
        {"username": "ed", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
