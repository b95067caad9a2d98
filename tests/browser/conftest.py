import threading
import time

import pytest
from django.core.signals import request_finished, request_started
from playwright.sync_api import Page

from tests.waiting import wait_until


@pytest.fixture
def login(live_server):
    """Log `page` into the admin as `username`."""

    def do_login(page: Page, username: str, password: str = "correct-horse-battery"):
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")

    return do_login


class Requests:
    """The live server's requests in flight (it runs in a thread of this
    process, so Django's request signals reach us) and when the last one
    started or ended."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last = time.monotonic()

    def started(self, **kwargs):
        with self.lock:
            self.in_flight += 1
            self.last = time.monotonic()

    def finished(self, **kwargs):
        with self.lock:
            self.in_flight -= 1
            self.last = time.monotonic()

    def touch(self):
        with self.lock:
            self.last = time.monotonic()

    def quiet_for(self, seconds: float) -> bool:
        with self.lock:
            return self.in_flight <= 0 and time.monotonic() - self.last >= seconds


@pytest.fixture(autouse=True)
def _quiet_before_the_database_is_emptied():
    """Closing a page fires its pagehide handlers: the article form sends
    its last autosave and releases its edit lock (sendBeacon). Those requests
    must finish before the test database is emptied, or the emptying
    (TRUNCATE) and such a request's insert deadlock. Set up before the page,
    so torn down after it closes: waits until the live server has had no
    request in flight for a moment (a beacon leaves as the page closes)."""
    requests = Requests()
    request_started.connect(requests.started, weak=False)
    request_finished.connect(requests.finished, weak=False)
    try:
        yield
        requests.touch()  # the page has just closed: quiet from now on
        assert wait_until(lambda: requests.quiet_for(0.15), seconds=10), (
            "the live server was still answering requests"
        )
    finally:
        request_started.disconnect(requests.started)
        request_finished.disconnect(requests.finished)


@pytest.fixture
def opened():
    """Register a browser context a test opens: closed when the test ends,
    passed or not. The browser lives for the whole session, and so does
    the live server: a page left open (a live blog polling every second)
    went on sending it requests during every later test."""
    contexts = []

    def register(context):
        contexts.append(context)
        return context

    yield register
    for context in contexts:
        context.close()
