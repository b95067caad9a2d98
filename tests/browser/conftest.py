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
