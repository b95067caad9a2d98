"""A real Chromium posting the comment form: from the article page itself
(no JavaScript) it is accepted; from a page on another port or another host
it is refused, and nothing is stored."""

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

from comments.models import Comment
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _AttackerPage(BaseHTTPRequestHandler):
    """Serves a page whose form posts a comment to the victim site."""

    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    def do_GET(self):
        page = (
            "<!doctype html><title>Win a phone</title>"
            f'<form id="f" method="post" action="{self.target}">'
            '<input name="name" value="Forger"><input name="email" '
            'value="forger@example.com"><textarea name="body">Forged comment'
            "</textarea><button>Send</button></form>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


@pytest.fixture
def attacker(live_server):
    """Start an attacker's site on `host` (another port, or another host)."""
    servers = []

    def start(host: str, target: str) -> str:
        server = ThreadingHTTPServer((host, 0), partial(_AttackerPage, target=target))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2"])
def test_a_post_from_another_origin_is_refused(live_server, page: Page, attacker, host):
    article = ArticleFactory()
    target = f"{live_server.url}/comments/post/{article.pk}/"
    page.goto(attacker(host, target))
    with page.expect_navigation():
        page.click("button")
    assert "did not come from this site" in page.content()
    assert not Comment.objects.filter(body="Forged comment").exists()


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "java_script_enabled": False}


def test_the_articles_own_form_posts_without_javascript(
    live_server, page: Page, settings
):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory()
    page.goto(live_server.url + article.get_absolute_url())
    page.fill("#comment-form textarea[name=body]", "Sent without JavaScript")
    page.fill("#comment-form input[name=name]", "Reader")
    page.fill("#comment-form input[name=email]", "reader@example.com")
    with page.expect_navigation():
        page.click("#comment-form [type=submit]")
    assert Comment.objects.filter(body="Sent without JavaScript").exists()
    assert "Sent without JavaScript" in page.content()
