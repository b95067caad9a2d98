"""The moderation desk says when an e-mail was given up on (Chromium,
screenshot in test-output/)."""

import pytest
from playwright.sync_api import Page, expect

from comments.models import MailFailure
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_shows_an_email_given_up_on(
    live_server, page: Page, login, roles, screenshot_dir
):
    UserFactory(username="mod", groups="Moderator")
    MailFailure.objects.create(
        what="the moderators' notice of comments awaiting moderation",
        error="[Errno 111] Connection refused",
        attempts=5,
    )
    login(page, "mod")
    page.goto(live_server.url + "/admin/comments/comment/desk/")
    alert = page.get_by_role("alert").filter(has_text="E-mail not sent")
    expect(alert).to_contain_text("after 5 tries")
    expect(alert).to_contain_text("Connection refused")
    page.screenshot(path=screenshot_dir / "desk-mail-failure.png")


def test_a_readers_page_logs_no_error_in_the_browser(live_server, page: Page):
    """No console error on an article page: no unknown Permissions-Policy
    feature, no missing file (the icon included)."""
    from tests.factories import ArticleFactory

    article = ArticleFactory()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert errors == []
