"""The replica's rule in-process (infra/replica.py); the real standby is
tested in tests/cluster (paused replay, a stopped replica, query counts)."""

import subprocess
import sys

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from infra import replica
from infra.middleware import anonymous_read
from tests.newsroom.test_settings import ROOT
from tests.processes import child_env

factory = RequestFactory()


def request(method="get", path="/", cookies=None):
    made = getattr(factory, method)(path)
    made.COOKIES.update(cookies or {})
    return made


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (request(), True),
        (request(path="/2026/11/30/a-story/"), True),
        (request("head", "/feed/"), True),
        (request("post", "/comments/post/1/"), False),
        (request(path="/admin/"), False),
        (request(path="/preview/1/"), False),
        (request(cookies={"sessionid": "x"}), False),
        (request(cookies={"newsroom_pending_comments": "x"}), False),
        (request(cookies={"newsroom_comment_author": "x"}), False),
        (request(cookies={"utm": "x"}), True),
    ],
)
def test_only_anonymous_reads_may_use_the_replica(made, expected):
    assert anonymous_read(made) is expected


def test_the_fence_only_ever_rises_in_redis(redis_cache):
    shared = caches["default"]
    shared.raise_to(replica.FENCE_KEY, 500)
    shared.raise_to(replica.FENCE_KEY, 300)  # a slower server, an older change
    assert shared.get(replica.FENCE_KEY) == 500
    shared.raise_to(replica.FENCE_KEY, 2**60)  # positions are 64-bit
    assert shared.get(replica.FENCE_KEY) == 2**60


def test_a_request_keeps_the_highest_fence_it_saw():
    token = replica._request.set(replica._Reads())
    try:
        replica.saw_fence(700)
        replica.saw_fence(200)
        assert replica._request.get().fence == 700
        # Replayed past it: the replica; a newer fence read later in the
        # request asks the replica again, once.
        reads = replica._request.get()
        reads.replayed = 700
        assert replica._current_enough(reads)
        replica._health["down_until"] = float("inf")  # as if it had failed
        replica.saw_fence(900)
        assert not replica._current_enough(reads)
    finally:
        replica._health["down_until"] = 0.0
        replica._request.reset(token)


def test_an_unknown_fence_reads_the_primary(settings):
    token = replica._request.set(replica._Reads())
    try:
        reads = replica._request.get()
        reads.replayed = 10**18
        replica.saw_fence(replica.UNKNOWN)
        assert not replica._current_enough(reads)
    finally:
        replica._request.reset(token)


def settings_of(env: dict, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env={
            **child_env(DJANGO_SETTINGS_MODULE="newsroom.settings"),
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "example.com",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_replica_setting():
    code = (
        "from django.conf import settings; r = settings.DATABASES['replica']; "
        "print(r['PORT'], r['NAME'], 'pool' in r['OPTIONS'], r['CONN_MAX_AGE'], "
        "settings.DATABASE_ROUTERS)"
    )
    out = settings_of(
        {
            "NEWSROOM_REPLICA_URL": "postgres://newsroom@127.0.0.1:54330/newsroom",
            "NEWSROOM_DB_POOL": "2,4",
        },
        code,
    )
    assert out.stdout.split() == [
        "54330",
        "newsroom",
        "False",  # not pooled: see the setting's comment
        "300",
        "['infra.replica.ReplicaRouter']",
    ], out.stderr
    bad = settings_of({"NEWSROOM_REPLICA_URL": "sqlite:///x.db"}, "")
    assert bad.returncode != 0 and "must point at PostgreSQL" in bad.stderr


def test_a_replica_needs_the_shared_cache():
    code = (
        "from django.core.management import call_command; "
        "call_command('check', fail_level='ERROR')"
    )
    env = {"NEWSROOM_REPLICA_URL": "postgres://newsroom@127.0.0.1:54330/newsroom"}
    alone = settings_of({**env, "NEWSROOM_CACHE_URL": "locmem://"}, code)
    assert alone.returncode != 0 and "newsroom.E002" in alone.stderr
    shared = settings_of({**env, "NEWSROOM_CACHE_URL": "redis://127.0.0.1:1/0"}, code)
    assert shared.returncode == 0, shared.stderr
