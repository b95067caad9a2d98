"""/healthz answers a probe whatever Host it carries and without an HTTPS
redirect: a load balancer or the edge probes each app server by its own
address, over plain HTTP, with the production settings."""

import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.newsroom.test_readme_commands import production_env_file
from tests.processes import child_env, free_port, stop

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_a_probe_with_the_servers_own_host_over_http_gets_the_health(settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    probe = Client().get("/healthz", HTTP_HOST="127.0.0.1:8101")
    assert probe.status_code == 200
    assert probe.json()["database"] == "up"
    # Everything else keeps both rules.
    assert Client().get("/", HTTP_HOST="127.0.0.1:8101").status_code == 400
    assert Client().get("/", HTTP_HOST="news.example.com").status_code == 301


def probe(port: int) -> bytes:
    """The request Varnish's probe sends (deploy/varnish, backends.vcl)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data


@pytest.mark.django_db(transaction=True)
def test_the_readmes_production_settings_answer_the_edges_probe(tmp_path, redis_url):
    s = connection.settings_dict
    database_url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env_file = production_env_file(tmp_path, database_url, redis_url)
    port = free_port()
    server = subprocess.Popen(
        ["scripts/serve", "127.0.0.1", str(port)],
        cwd=ROOT,
        env=child_env(NEWSROOM_ENV_FILE=str(env_file)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = probe(port)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.2)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert b'"database": "up"' in answer
    finally:
        stop(server)
