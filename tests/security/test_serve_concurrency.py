"""200 comment posts from 20 simultaneous clients against the production
server (scripts/serve, DEBUG off, as `make serve` runs it)."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from comments.models import Comment
from tests.factories import ArticleFactory
from tests.http_client import CommentClient, oversized_post_then_get
from tests.processes import stop

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
CLIENTS, POSTS_EACH = 20, 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "serve-test-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",
        "COMMENTS_MIN_SUBMIT_SECONDS": "0",
        "DJANGO_CONN_MAX_AGE": "60",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve"), "127.0.0.1", str(port)],
        cwd=ROOT,
        env={**env, "VENV_BIN": str(Path(sys.executable).parent)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        stop(process)
        # The server's connections to the test database are gone now.


def client_posts(base, article_url, post_url, client_no, results):
    reader = CommentClient(base)
    for n in range(POSTS_EACH):
        seq = client_no * POSTS_EACH + n
        # Every 10th post repeats an earlier one: it must be refused, with a reason.
        body_no = seq - 1 if n == POSTS_EACH - 1 else seq
        status, text = reader.post_comment(
            article_url,
            post_url,
            ip=f"10.{client_no}.{n}.1",
            name=f"Reader {body_no}",
            email=f"reader{body_no}@example.com",
            body=f"Serve concurrency comment {body_no}",
        )
        results.append((seq, status, "" if status == 303 else text))


def test_200_posts_from_20_clients(server):
    article = ArticleFactory()
    results = []
    threads = [
        threading.Thread(
            target=client_posts,
            args=(
                server,
                article.get_absolute_url(),
                f"/comments/post/{article.pk}/",
                c,
                results,
            ),
        )
        for c in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == CLIENTS * POSTS_EACH
    accepted = [r for r in results if r[1] == 303]
    refused = [r for r in results if r[1] != 303]
    reasons = {
        409: "Duplicate comment detected",
        429: "You are posting comments too quickly: please wait",
    }
    for _seq, status, body in refused:
        assert status in reasons, status
        assert reasons[status] in body
    assert len(accepted) == CLIENTS * (POSTS_EACH - 1)
    bodies = list(
        Comment.objects.filter(article=article).values_list("body", flat=True)
    )
    assert len(bodies) == len(set(bodies)) == len(accepted)
    assert Comment.objects.filter(article=article, status="pending").count() == len(
        accepted
    )


def test_oversized_body_on_a_kept_alive_connection(server):
    """The production server answers 413 and the next request on the same
    connection is answered on its own, not parsed out of the unread body."""
    article = ArticleFactory()
    status, _, after = oversized_post_then_get(
        server, f"/comments/post/{article.pk}/", 10 * 1024 * 1024, "/healthz"
    )
    assert status == 413
    assert after in (None, 200)
