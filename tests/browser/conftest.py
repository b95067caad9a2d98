import time

import pytest
from playwright.sync_api import Page


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


@pytest.fixture(autouse=True)
def _quiet_before_the_database_is_emptied():
    """Closing a page fires its pagehide handlers: the article form sends
    its last autosave and releases its edit lock (sendBeacon). Give those
    requests time to finish before the test database is emptied, or the
    emptying (TRUNCATE) and such a request's insert deadlock. Set up before
    the page, so torn down after it closes and before the database's reset."""
    yield
    time.sleep(0.5)
