"""The pages the trust work added, as people meet them in Chromium: the
import's author-matching step, the lockout page, the password reset, an
editor's set-password button. Screenshots in test-output/."""

from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures/wordpress/export-hostile.xml"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_import_asks_who_each_author_is(
    live_server, page: Page, login, roles, media_root, screenshot_dir, width
):
    UserFactory(username="moderator", groups="Moderator")
    UserFactory(username="root", groups="admin")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "root")
    page.goto(live_server.url + "/admin/wpimport/importrun/add/")
    page.set_input_files("#id_export_file", str(HOSTILE))
    page.click("input[name=_save]")
    expect(page.locator("h1")).to_have_text("Match the export's authors")
    expect(page.get_by_text("An account named “moderator” exists")).to_be_visible()
    first = page.locator("#id_author_0")
    expect(first).to_have_value("")  # a new account unless chosen
    page.screenshot(path=screenshot_dir / f"import-authors-{width}.png", full_page=True)
    page.click("input[type=submit][value='Import with these authors']")
    expect(page.locator(".messagelist")).to_contain_text("Authors matched")


def test_the_lockout_and_reset_pages(live_server, page: Page, roles, screenshot_dir):
    UserFactory(username="ed", email="ed@newsroom.example", groups="Editor")
    for _ in range(5):
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "ed")
        page.fill("#id_password", "wrong")
        page.click("input[type=submit]")
    expect(page).to_have_title("Sign-in locked | Newsroom")
    expect(page.locator(".errornote")).to_contain_text("Too many failed login attempts")
    page.screenshot(path=screenshot_dir / "lockout.png", full_page=True)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_role("link", name="Forgotten your login credentials?").click()
    page.fill("#id_email", "ed@newsroom.example")
    page.screenshot(path=screenshot_dir / "password-reset.png", full_page=True)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Password reset sent")
    assert len(mail.outbox) == 1


def test_an_editor_sends_a_set_password_link(
    live_server, page: Page, login, roles, screenshot_dir
):
    UserFactory(username="ed", groups="Editor")
    author = UserFactory(username="joao", email="joao@newsroom.example")
    author.set_unusable_password()
    author.save()
    login(page, "ed")
    page.goto(f"{live_server.url}/admin/auth/user/{author.pk}/change/")
    page.get_by_role("button", name="Send a link to set the password").click()
    expect(page.locator(".messagelist")).to_contain_text("was sent to joao@")
    page.screenshot(path=screenshot_dir / "set-password-link.png", full_page=True)
    assert mail.outbox[-1].to == ["joao@newsroom.example"]
