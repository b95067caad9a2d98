"""A live blog in Chromium (#29 item 4): a reader's open page shows the
updates two journalists post from the desk, an edit and a removal, without
a reload; a reader without JavaScript sees them on reload. Screenshots in
test-output/."""

import pytest
from playwright.sync_api import Page, expect

from articles import live
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_from_the_desk(page: Page, url: str, text: str) -> None:
    page.goto(url)
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.keyboard.type(text)
    page.get_by_role("button", name="Post update").click()
    expect(page.locator(".messagelist")).to_contain_text("Update posted")


def test_an_open_page_follows_the_live_blog(
    live_server, browser, login, roles, screenshot_dir, opened
):
    editor = UserFactory(username="ed", first_name="Ed", groups="Editor")
    UserFactory(username="jo", first_name="Jo", last_name="Reis", groups="Journalist")
    UserFactory(username="ana", first_name="Ana", last_name="Lima", groups="Journalist")
    story = ArticleFactory(title="Election night", created_by=editor)
    live.live_start(user=editor, article=story)
    desk_url = f"{live_server.url}/admin/articles/article/{story.pk}/live/"

    reader = opened(browser.new_context(viewport={"width": 390, "height": 800}))
    open_page = reader.new_page()
    open_page.goto(live_server.url + story.get_absolute_url())
    entries = open_page.locator("#live-entries .live-entry")
    expect(open_page.locator("#live")).to_contain_text("No updates yet.")

    desks = []
    for name in ("jo", "ana"):  # two journalists at once, no edit lock
        context = opened(browser.new_context(viewport={"width": 1280, "height": 900}))
        desk = context.new_page()
        login(desk, name)
        desks.append(desk)
    post_from_the_desk(desks[0], desk_url, "Polls have closed.")
    post_from_the_desk(desks[1], desk_url, "First results from the north.")
    expect(entries).to_have_count(2, timeout=5000)
    expect(entries.first).to_contain_text("First results from the north.")
    expect(entries.first).to_contain_text("Ana Lima")
    open_page.screenshot(
        path=screenshot_dir / "live-blog-reader-390.png", full_page=True
    )

    desks[0].get_by_role("link", name="Edit").last.click()
    desks[0].locator(".ProseMirror[contenteditable=true]").click()
    desks[0].keyboard.press("End")
    desks[0].keyboard.type(" Turnout 71%.")
    desks[0].get_by_role("button", name="Save the update").click()
    expect(open_page.locator("#live-entries")).to_contain_text(
        "Turnout 71%.", timeout=5000
    )
    desks[1].get_by_role("button", name="Remove the update").first.click()
    expect(entries).to_have_count(1, timeout=5000)

    no_js = opened(browser.new_context(java_script_enabled=False)).new_page()
    no_js.goto(live_server.url + story.get_absolute_url())
    expect(no_js.locator("#live-entries .live-entry")).to_have_count(1)
    expect(no_js.locator("#live-entries")).to_contain_text(
        "Polls have closed. Turnout 71%."
    )
    desks[0].screenshot(path=screenshot_dir / "live-blog-desk.png", full_page=True)
