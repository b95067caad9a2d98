"""The front page's arrangement in Chromium (#29 item 1): an editor sets the
lead with the story search, drags a top story to the top, moves one with
the buttons that work without JavaScript, and readers see it. Screenshots
in test-output/."""

import pytest
from playwright.sync_api import Page, expect

from articles import front
from articles.models import FrontSlot
from tests.browser.test_publishing import pick_autocomplete
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
URL = "/admin/articles/frontslot/"


def top_order() -> list[str]:
    return list(
        FrontSlot.objects.filter(kind="top")
        .order_by("position", "pk")
        .values_list("article__title", flat=True)
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_an_editor_arranges_the_front_page(
    live_server, page: Page, login, roles, screenshot_dir, width
):
    editor = UserFactory(username="ed", groups="Editor")
    hot = SectionFactory(name="Hot News")
    stories = {
        title: ArticleFactory(title=title, section=hot)
        for title in ("Alpha chip plant", "Bravo phone", "Charlie satellite")
    }
    ArticleFactory(title="Delta lab opens", section=hot)
    for title in stories:
        front.front_place(user=editor, kind="top", article=stories[title])
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "ed")
    page.goto(live_server.url + URL)
    rows = page.locator("tbody[data-order-kind=top] tr")
    expect(rows).to_have_count(3)
    # Drag "Charlie" above "Alpha": the new order is saved at once.
    rows.nth(2).drag_to(rows.nth(0))
    expect(page.locator(".messagelist")).to_contain_text("New order saved")
    assert top_order() == ["Charlie satellite", "Alpha chip plant", "Bravo phone"]
    # Without JavaScript's help: the ↓ button of the first row.
    page.get_by_role("button", name="Move “Charlie satellite” down").click()
    assert top_order() == ["Alpha chip plant", "Charlie satellite", "Bravo phone"]
    # The lead, found by a word of its title.
    pick_autocomplete(page, "lead-article", "Delta")
    page.get_by_role("button", name="Set the lead story").click()
    message = page.locator(".messagelist")
    expect(message).to_contain_text("Lead story: “Delta lab opens”")
    expect(page.locator("#group-lead + table")).to_contain_text("Showing now")
    page.screenshot(path=screenshot_dir / f"front-arrange-{width}.png", full_page=True)
    reader = page.context.browser.new_page(viewport={"width": width, "height": 900})
    reader.goto(live_server.url + "/")
    expect(reader.locator("#lead-title")).to_have_text("Delta lab opens")
    top = reader.locator("section[aria-labelledby=top-title] h3")
    expect(top).to_have_text(["Alpha chip plant", "Charlie satellite", "Bravo phone"])
    reader.screenshot(path=screenshot_dir / f"front-home-{width}.png", full_page=True)
    reader.close()
