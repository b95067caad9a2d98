"""Headers, limits, outages, accounts: the platform's promises."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from tests.factories import ArticleFactory, UserFactory
from tests.http_client import oversized_post_then_get
from tests.processes import child_env

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_security_headers_on_reader_pages(client):
    article = ArticleFactory()
    for url in ["/", article.get_absolute_url(), "/search/?q=x"]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_reader_pages_run_no_inline_script(client):
    """No inline script runs on a reader page (JSON-LD is data, which the
    CSP does not govern), so a cached page needs no per-request nonce and
    the CSP allows scripts from our origin only."""
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    csp = response["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert script_src.split() == ["'self'"]
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert inline == ['<script type="application/ld+json">']


def test_admin_editor_import_map_is_allowed_by_hash(client, roles):
    client.force_login(UserFactory(username="ed", groups="Editor"))
    response = client.get("/admin/articles/article/add/")
    csp = response["Content-Security-Policy"]
    assert '<script type="importmap"' in response.content.decode()
    assert "'sha256-" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "'nonce-" in csp  # the rest of Django's policy kept
    # Plain str names, as WSGI servers demand (wsgiref refuses a StrEnum).
    assert all(type(name) is str for name, _ in response.items())


def test_hsts_and_secure_cookies_when_https_is_on():
    env = child_env(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="news.example.com",
        NEWSROOM_BASE_URL="https://news.example.com",
        NEWSROOM_HTTPS="true",
        DJANGO_BEHIND_TLS_PROXY="true",
    )
    # --database: the checks connect, so a wrong database location fails here.
    command = ["check", "--deploy", "--fail-level", "WARNING", "--database", "default"]
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert out == ["31536000", "True", "True", "True", "Lax"]


def test_passwords_hash_with_argon2_and_validators_apply(settings):
    from django.conf import settings as live
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    assert live.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher") or (
        settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")
    )
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert make_password("correct horse battery staple").startswith("argon2$")
    with pytest.raises(ValidationError):
        validate_password("password")
    with pytest.raises(ValidationError):
        validate_password("12345678")


def test_admin_login_locks_out_after_five_failures(client):
    UserFactory(username="victim", groups="admin")
    for _ in range(5):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "victim", "password": "wrong"}
        )
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "victim", "password": "correct-horse-battery"},
    )
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    # Another username from the same address is not locked.
    UserFactory(username="other", groups="admin")
    ok = client.post(
        "/admin/login/?next=/admin/",
        {"username": "other", "password": "correct-horse-battery"},
    )
    assert ok.status_code == 302


def test_lockouts_are_reported_in_the_admin(client):
    UserFactory(username="victim", groups="admin")
    for _ in range(5):
        client.post("/admin/login/", {"username": "victim", "password": "wrong"})
    admin = Client_for(UserFactory(username="boss", groups="admin"))
    page = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "victim" in page


def Client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_oversized_body_gets_413_with_a_readable_page(client, settings):
    settings.NEWSROOM_MAX_PUBLIC_REQUEST_BYTES = 1024 * 1024
    article = ArticleFactory()
    response = client.post(
        f"/comments/post/{article.pk}/",
        data="x" * (1024 * 1024 + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"Request too large" in response.content


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "cache": "up"}


@pytest.fixture
def database_down():
    """Point the live connection at a port where nothing listens (a real
    refused connection, not a mock), then put it back."""
    settings_dict = connection.settings_dict
    saved = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        settings_dict["PORT"] = saved


@pytest.mark.django_db(transaction=True)
def test_database_outage_gives_503_pages_not_tracebacks(database_down):
    from django.test import Client

    client = Client(raise_request_exception=False)
    health = client.get("/healthz")
    assert health.status_code == 503
    page = client.get("/")
    assert page.status_code == 503
    assert b"Temporarily unavailable" in page.content
    assert b"Traceback" not in page.content
    assert page["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True)
def test_site_recovers_after_outage_without_restart():
    from django.test import Client

    client = Client(raise_request_exception=False)
    settings_dict = connection.settings_dict
    saved = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = "1"
    assert client.get("/healthz").status_code == 503
    settings_dict["PORT"] = saved
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200


def test_10mb_comment_body_gets_413_from_the_dev_server(live_server):
    """The dev server (runserver's WSGI handler, as live_server runs it)
    refused a hop-by-hop header from the app with a 500; and the unread body
    must not be read as the next request on the kept-alive connection."""
    article = ArticleFactory()
    status, headers, after = oversized_post_then_get(
        live_server.url, f"/comments/post/{article.pk}/", 10 * 1024 * 1024, "/healthz"
    )
    assert status == 413
    assert "connection" not in headers or headers["connection"] == "close"
    assert after in (None, 200)


def test_one_address_spraying_a_password_over_many_usernames_is_paused(
    client, settings
):
    """The per-(username, address) lockout let one address try a password
    on every username; the address is paused after its own, higher limit."""
    settings.NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    UserFactory(username="target", groups="admin")
    for n in range(12):  # 12 usernames, one guess each: no pair reaches 5
        response = client.post(
            "/admin/login/", {"username": f"staff{n}", "password": "Winter2026!"}
        )
        assert response.status_code == 200
    refused = client.post(
        "/admin/login/", {"username": "target", "password": "correct-horse-battery"}
    )
    assert refused.status_code == 429
    assert "across several accounts" in refused.content.decode()
    other_address = Client(REMOTE_ADDR="198.51.100.77")
    ok = other_address.post(
        "/admin/login/", {"username": "target", "password": "correct-horse-battery"}
    )
    assert ok.status_code == 302


def test_a_few_typos_behind_a_shared_address_lock_nobody_else_out(client):
    """Five typos for one account lock that account from the address; a
    colleague behind the same address still signs in."""
    UserFactory(username="typist", groups="admin")
    UserFactory(username="colleague", groups="admin")
    for _ in range(5):
        client.post("/admin/login/", {"username": "typist", "password": "typo"})
    ok = Client().post(
        "/admin/login/", {"username": "colleague", "password": "correct-horse-battery"}
    )
    assert ok.status_code == 302
