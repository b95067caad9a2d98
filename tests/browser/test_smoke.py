import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_title_and_404_page(live_server, page: Page, screenshot_dir):
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Newsroom")
    page.screenshot(path=screenshot_dir / "home.png", full_page=True)

    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.screenshot(path=screenshot_dir / "404.png")
