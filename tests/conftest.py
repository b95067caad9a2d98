import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run there unless told it is safe (it is: the loop is idle).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    """The live server (Django's threaded WSGI server) listens with a backlog
    of 10: the tests that open 50 connections at once (comments posted
    concurrently) saw the kernel reset one now and then on a busy machine.
    Production servers (granian) listen with a backlog of 1024."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 256


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The cluster's tests last and together (after pytest-django's order by
    database use). Its fixture is module-scoped: a cluster test sorted among
    the browser tests (it uses a page, so the database) started the whole
    topology there and left it running, two app servers and a database
    replica loading this machine, until the other cluster tests ran at the
    end; timing-sensitive tests in between (a Redis call's 0.1 s limit)
    failed now and then."""

    def order(item):
        cluster = item.get_closest_marker("cluster") is not None
        return (cluster, item.path.name if cluster else "")

    items.sort(key=order)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the machine's Chromium (no browser downloads here)."""
    args = {**browser_type_launch_args}
    args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if path and path != "playwright":
        if not os.path.exists(path):
            raise pytest.UsageError(
                f"Chromium not found at {path}: run the tests with `make test` "
                "(it installs Chromium) or set CHROMIUM_PATH."
            )
        args["executable_path"] = path
    return args


@pytest.fixture
def screenshot_dir():
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    """Tests do not run collectstatic, so skip the manifest lookup; and hash
    test passwords cheaply (production keeps the slow, strong hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    # Views are counted by the tests of audience/ only (tests/audience/),
    # which add them to the database themselves (no background thread).
    settings.NEWSROOM_AUDIENCE = "off"


@pytest.fixture
def roles(db):
    """Role groups and the default rejection reasons (rows the migrations
    make), recreated after transactional tests flushed them."""
    from comments.models import ModerationReason
    from comments.reasons import add_default_reasons
    from tests.factories import make_roles

    make_roles()
    add_default_reasons(ModerationReason)


@pytest.fixture
def moderators(roles):
    """Two moderators with full names (claims and replies show them)."""
    from tests.factories import UserFactory

    return tuple(
        UserFactory(username=username, first_name=first, last_name=last,
                    groups="Moderator")
        for username, first, last in [("mo", "Mo", "Reis"), ("lu", "Lu", "Dias")]
    )  # fmt: skip


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request leaves its language active in the thread (as Django's
    LocaleMiddleware does); the next test starts in the site's again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """The page cache lives in the (process-wide) cache and the process's
    local copies of pages: start each test clean."""
    from django.core.cache import cache

    from caching import fragments, invalidation, pagecache, tagversions
    from comments import tasks

    def clear():
        cache.clear()
        invalidation.discard_pending()
        tagversions.forget_local_versions()
        pagecache.clear_local_copies()
        fragments.clear_local_copies()
        tasks._known_open["until"] = 0.0

    clear()
    yield
    clear()


@pytest.fixture
def django_capture_on_commit_callbacks(django_capture_on_commit_callbacks):
    """pytest-django's, run as each test's commit: what the test set up
    before the block stands for transactions committed earlier, whose
    invalidations are done, so only the tags collected inside the block are
    sent (caching.invalidation sends a transaction's tags together)."""
    from caching import invalidation

    @contextlib.contextmanager
    def capture(**kwargs):
        invalidation.discard_pending()
        with django_capture_on_commit_callbacks(**kwargs) as callbacks:
            yield callbacks

    return capture


@pytest.fixture
def redis_process(tmp_path):
    """A private Redis server: (its URL, its process)."""
    binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if not binary:
        raise pytest.UsageError(
            "redis-server not found: run `make test` (it installs it) or set "
            "REDIS_SERVER"
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.send_signal(signal.SIGCONT)  # in case a test paused it
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_process):
    return redis_process[0]


@pytest.fixture
def redis_cache(settings, redis_url):
    """This process's cache is that Redis server, as in production."""
    from caching import tagversions
    from newsroom.settings import cache_from_url

    tagversions.forget_local_versions()  # they came from the other backend
    settings.CACHES = {"default": cache_from_url(redis_url)}
    return redis_url


@pytest.fixture
def storage_down(settings):
    """The uploads' bucket does not answer: a real S3 client against a port
    nothing listens on (the object store stopped)."""
    from tests.processes import free_port

    port = free_port()  # closed again: nothing listens there
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": f"http://127.0.0.1:{port}",
                "access_key": "key",
                "secret_key": "secret",
                "bucket_name": "newsroom-private",
                "region_name": "us-east-1",
                "addressing_style": "path",
            },
        },
    }
    settings.STORAGES["public"] = {
        **settings.STORAGES["default"],
        "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "pub"},
    }
    return port
