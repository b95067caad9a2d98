""" "Now" in Chromium (#35 item 3): an editor opens it from the admin's
index and reads the top stories, their per-minute lines and the sources;
a journalist sees only their own story. Screenshots in test-output/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audience.models import ViewCount
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_editors_read_what_readers_read_now(
    live_server, page: Page, login, roles, screenshot_dir, width
):
    jo = UserFactory(username="jo", groups="Journalist")
    UserFactory(username="ed", groups="Editor")
    now = timezone.now().replace(second=0, microsecond=0)
    for n, title in enumerate(["Quake hits the coast", "Election night", "Chip plant"]):
        story = ArticleFactory(title=title, created_by=jo if n == 2 else None)
        for minute in range(0, 60, 2):
            ViewCount.objects.create(
                period=now - timedelta(minutes=minute),
                article=story,
                source=("search", "social", "direct")[minute % 3],
                views=(3 - n) * (60 - minute) // 10 + 1,
            )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "ed")
    page.get_by_role("link", name="Now: what readers read").click()
    rows = page.locator("table.now-stories tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Quake hits the coast")
    expect(rows.first.locator("svg polyline")).to_have_count(1)
    expect(page.locator("table.now-sources")).to_contain_text("Search")
    page.screenshot(path=screenshot_dir / f"audience-now-{width}.png", full_page=True)
    page.context.clear_cookies()
    login(page, "jo")
    page.goto(live_server.url + "/admin/audience/viewcount/")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Chip plant")
