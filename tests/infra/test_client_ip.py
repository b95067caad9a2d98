"""The client's IP behind proxies: one setting for comments, rate limits,
bans and the admin login lockout; a client-chosen X-Forwarded-For entry is
never believed."""

import pytest
from django.test import RequestFactory

from comments.forms import sign_timestamp
from comments.models import Comment
from infra.clientip import client_ip
from tests.factories import ArticleFactory, UserFactory

EDGE = "10.0.0.5"


def ip(remote: str, forwarded: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **headers))


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = []
    assert ip("203.0.113.9", "198.51.100.1") == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.7", "198.51.100.7"),  # the edge saw the client
        ("6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged left-most entry
        ("6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two proxies
        ("", EDGE),  # nothing forwarded: the proxy itself
        ("not-an-ip", None),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_rightmost_untrusted_address_is_the_client(settings, forwarded, client):
    settings.NEWSROOM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip(EDGE, forwarded) == client


def test_a_peer_outside_the_trusted_networks_cannot_forward(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("203.0.113.9", "198.51.100.7") == "203.0.113.9"


@pytest.mark.django_db
def test_comments_store_the_client_behind_the_edge(client, settings):
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory()
    response = client.post(
        f"/comments/post/{article.pk}/",
        {
            "name": "Ana",
            "email": "ana@example.com",
            "body": "Hi",
            "ts": sign_timestamp(),
        },
        headers={"x-forwarded-for": "6.6.6.6, 198.51.100.7"},
    )
    assert response.status_code == 303
    assert Comment.objects.get().ip == "198.51.100.7"


@pytest.mark.django_db
def test_a_forged_forwarded_address_cannot_lock_an_editor_out(client, settings, roles):
    """Behind the edge every request comes from its address: the lockout must
    count the real client, so an attacker failing logins does not lock the
    editor (another client) out, whatever X-Forwarded-For they send."""
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1"]
    UserFactory(username="editor", groups="Editor")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            "/admin/login/",
            {"username": "editor", "password": "wrong"},
            # The attacker is 6.6.6.6; the left entry is their invention.
            headers={"x-forwarded-for": "192.0.2.10, 6.6.6.6"},
        )
    locked = client.post(
        "/admin/login/",
        {"username": "editor", "password": "correct-horse-battery"},
        headers={"x-forwarded-for": "6.6.6.6"},
    )
    assert locked.status_code in (403, 429) or "Too many" in locked.content.decode()
    editor = client.post(
        "/admin/login/",
        {"username": "editor", "password": "correct-horse-battery"},
        headers={"x-forwarded-for": "192.0.2.10"},
    )
    assert editor.status_code == 302  # the editor's own address is not locked
