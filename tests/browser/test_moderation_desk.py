"""The moderation desk in a real Chromium: keyboard decisions without a
reload and undo, the plain-POST fallback without JavaScript, a claim seen
by a second moderator, the history panel, the dashboard's chart."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, set_moderation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUEUE = "/admin/comments/comment/?status__exact=pending"


def _queue(browser, login, live_server, username, width=1280, **options):
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    page = context.new_page()
    login(page, username)
    page.goto(live_server.url + QUEUE)
    return context, page


def _pending_comments():
    article = ArticleFactory(
        title="A very long headline about the chip plant that the city approved "
        "after two years of hearings and a court case"
    )
    long_text = "This is a long comment that goes on and on. " * 12
    return [
        CommentFactory(article=article, pending=True, body=f"Third. {long_text}"),
        CommentFactory(article=article, pending=True, body=f"Second. {long_text}"),
        CommentFactory(article=article, pending=True, body=f"First. {long_text}"),
    ]


def _status(comment) -> str:
    return Comment.objects.get(pk=comment.pk).status


@pytest.mark.parametrize("width", [1280, 1024])
def test_keyboard_decisions_and_undo_without_a_reload(
    live_server, browser, login, moderators, screenshot_dir, width
):
    third, second, first = _pending_comments()  # the queue shows newest first
    context, page = _queue(browser, login, live_server, "mo", width=width)
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    # The decision buttons are in view on a long row, at this width.
    approve = rows.first.get_by_role("button", name="Approve")
    box = approve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=screenshot_dir / f"moderation-queue-{width}.png")
    page.evaluate("window.notReloaded = true")
    # The first row has the focus: "a" approves it, the next takes the focus.
    expect(rows.nth(0)).to_have_class(re.compile(r"\bnr-current\b"))
    page.keyboard.press("a")
    expect(rows.nth(0)).to_be_hidden()
    expect(page.locator("#nr-live")).to_contain_text("marked approved")
    assert _status(first) == "approved"
    focused = "document.activeElement.textContent"
    assert "Second." in page.evaluate(focused)
    # "r" rejects the next, "u" brings it back.
    page.keyboard.press("r")
    expect(rows.nth(1)).to_be_hidden()
    assert _status(second) == "rejected"
    page.keyboard.press("u")
    expect(rows.nth(1)).to_be_visible()
    expect(page.locator("#nr-live")).to_contain_text("Undone")
    assert _status(second) == "pending"
    # j moves on, s marks spam; k moves back.
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(rows.nth(2)).to_be_hidden()
    assert _status(third) == "spam"
    assert page.evaluate("window.notReloaded") is True
    # ? shows the help.
    page.keyboard.press("?")
    expect(page.locator("#nr-help")).to_be_visible()
    page.screenshot(path=screenshot_dir / f"moderation-help-{width}.png")
    page.keyboard.press("Escape")
    context.close()


def test_without_javascript_the_buttons_post(
    live_server, browser, login, moderators, screenshot_dir
):
    third, second, first = _pending_comments()
    context, page = _queue(browser, login, live_server, "mo", java_script_enabled=False)
    row = page.locator("#result_list tbody tr", has_text="First.")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("marked approved")
    assert "status__exact=pending" in page.url  # back to the same queue
    assert _status(first) == "approved"
    # Reject with a reason chosen in the row, still without JavaScript.
    row = page.locator("#result_list tbody tr", has_text="Second.")
    row.locator("select.nr-reason").select_option(
        label="Off topic: it is not about the story."
    )
    row.get_by_role("button", name="Reject").click()
    expect(page.locator(".messagelist")).to_contain_text("marked rejected")
    assert Comment.objects.get(pk=second.pk).reason.code == "off-topic"
    context.close()


def test_a_claim_is_seen_by_the_other_moderator(
    live_server, browser, login, moderators, screenshot_dir
):
    _pending_comments()
    mo_context, _ = _queue(browser, login, live_server, "mo")
    lu_context, lu = _queue(browser, login, live_server, "lu")
    claims = lu.locator(".nr-claimed")
    expect(claims).to_have_count(3)
    expect(claims.first).to_contain_text("Claimed by Mo Reis")
    lu.screenshot(path=screenshot_dir / "moderation-claimed-by-other.png")
    mo_context.close()
    lu_context.close()


def test_the_history_panel(live_server, browser, login, moderators, screenshot_dir):
    CommentFactory(email="repeat@example.com", approved=True)
    CommentFactory(email="repeat@example.com", spam=True)
    CommentFactory(email="repeat@example.com", pending=True, body="Again me")
    context, page = _queue(browser, login, live_server, "mo")
    page.keyboard.press("h")
    panel = page.locator("#nr-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("1 approved")
    expect(panel).to_contain_text("1 spam")
    page.screenshot(path=screenshot_dir / "moderation-history-panel.png")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    context.close()


def test_the_dashboard_draws_its_chart(
    live_server, browser, login, moderators, screenshot_dir
):
    comments = CommentFactory.create_batch(5, pending=True)
    context, page = _queue(browser, login, live_server, "mo")
    for _ in comments[:3]:
        page.keyboard.press("a")
        page.wait_for_timeout(300)
    page.goto(live_server.url + "/admin/comments/comment/desk/")
    chart = page.locator("svg#nr-chart")
    expect(chart).to_be_visible()
    expect(page.locator(".nr-figure").first).to_contain_text("2")
    assert chart.locator("rect.nr-bar-decided[height='0']").count() < 48
    expect(page.locator(".nr-desk")).to_contain_text("Mo Reis")
    page.screenshot(path=screenshot_dir / "moderation-dashboard.png", full_page=True)
    context.close()


def test_the_reader_is_told_about_quiet_hours_and_may_ask_for_the_decision(
    live_server, page, settings, screenshot_dir
):
    set_moderation(quiet_hours="mon-sun 00-24")
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory(title="Night shift story")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator(".quiet-hours")).to_contain_text(
        "While no moderator is on shift (Mon–Sun 00:00–24:00"
    )
    page.fill("#id_body", "Posted at night.")
    page.fill("#id_name", "Noor")
    page.fill("#id_email", "noor@example.com")
    page.get_by_label("E-mail me once when a moderator approves or rejects").check()
    page.locator("#respond").screenshot(
        path=screenshot_dir / "comment-form-quiet-hours.png"
    )
    page.get_by_role("button", name="Post Comment").click()
    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.rule, comment.notify_decision) == ("quiet-hours", True)


def test_the_queue_shows_five_comments_at_1280_by_800_with_every_button(
    live_server, browser, roles, screenshot_dir
):
    """#28 item 9: rows were ~260 px tall, two in view; at 1024 px the
    Action menu ran under the filter panel."""
    from comments.models import Comment
    from tests.factories import ArticleFactory, CommentFactory, UserFactory

    UserFactory(username="mo-dense", groups="Moderator")
    article = ArticleFactory(title="Jim Ryan reveals what was his biggest challenge")
    for n in range(8):
        CommentFactory(
            article=article,
            pending=True,
            name=f"Reader {n}",
            body="A comment that waits for a moderator, long enough to wrap. " * 3,
        )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "mo-dense")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.goto(live_server.url + "/admin/comments/comment/?status__exact=pending")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == Comment.objects.pending().count() == 8
    in_view = [
        rows.nth(i)
        for i in range(8)
        if rows.nth(i).bounding_box()["y"] + rows.nth(i).bounding_box()["height"] <= 800
    ]
    assert len(in_view) >= 5
    for row in in_view:
        for name in ("Approve", "Reject", "Spam", "Ban", "Reply"):
            assert (
                row.get_by_role("button", name=name)
                .or_(row.get_by_role("link", name=name))
                .first.is_visible()
            ), name
        assert row.locator("select.nr-reason").is_visible()
    page.screenshot(path=screenshot_dir / "queue-1280x800.png")
    page.set_viewport_size({"width": 1024, "height": 768})
    action = page.locator(".actions select").bounding_box()
    filters = page.locator("#changelist-filter").bounding_box()
    assert action["x"] + action["width"] <= filters["x"]
    page.screenshot(path=screenshot_dir / "queue-1024.png")
    context.close()
