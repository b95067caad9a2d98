"""A reader comments, a moderator approves, other readers see it."""

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_posts_moderator_approves(
    live_server, browser, roles, login, settings, screenshot_dir
):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory(title="Xiaomi and Leica open a joint optical institute")
    UserFactory(username="max", groups="Moderator")
    url = live_server.url + article.get_absolute_url()

    reader = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = reader.new_page()
    page.goto(url)
    expect(page.get_by_role("heading", name="LEAVE A REPLY")).to_be_visible()
    page.fill("textarea[name=body]", "Can't wait for the 14 Ultra.")
    page.fill("#comment-form input[name=email]", "ana@example.com")
    page.click("#comment-form input[type=submit]")
    expect(page.get_by_text("Please enter your name here")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_value(
        "Can't wait for the 14 Ultra."
    )
    expect(page.locator("#comment-form input[name=email]")).to_have_value(
        "ana@example.com"
    )
    expect(page.locator("input[name=name]")).to_be_focused()
    page.wait_for_function("window.scrollY > 0")  # brought into view
    page.locator("#respond").screenshot(path=screenshot_dir / "comment-form-errors.png")

    page.fill("input[name=name]", "Ana Souza")
    page.click("#comment-form input[type=submit]")
    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    assert "#comment-" in page.url

    other = browser.new_context()
    other_page = other.new_page()
    other_page.goto(url)
    expect(other_page.get_by_text("Can't wait for the 14 Ultra.")).to_have_count(0)
    expect(other_page.get_by_text("awaiting moderation")).to_have_count(0)

    desk = browser.new_context(viewport={"width": 1400, "height": 900})
    mod = desk.new_page()
    login(mod, "max")
    expect(mod.get_by_text("(1 pending)").first).to_be_visible()
    mod.get_by_role("link", name="Comments (1 pending)").first.click()
    row = mod.locator("#result_list tbody tr", has_text="Can't wait for the 14 Ultra.")
    expect(row).to_have_count(1)
    mod.screenshot(path=screenshot_dir / "moderation-queue.png", full_page=True)
    row.get_by_role("button", name="Approve").click()
    expect(mod.locator("#nr-live")).to_contain_text("marked approved")
    expect(row).to_be_hidden()  # decided without a reload
    desk.close()

    other_page.goto(url)
    expect(other_page.get_by_text("Can't wait for the 14 Ultra.")).to_be_visible()
    expect(other_page.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(other_page.get_by_text("awaiting moderation")).to_have_count(0)
    other_page.locator("#comments").screenshot(
        path=screenshot_dir / "approved-thread.png"
    )
    reader.close()
    other.close()


def test_reply_link_fills_parent_with_javascript(live_server, page, settings):
    from tests.factories import CommentFactory

    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    comment = CommentFactory(name="Rafael Lima", body="Parent words")
    page.goto(live_server.url + comment.article.get_absolute_url())
    page.get_by_role("link", name="Reply").click()
    expect(page.locator("#reply-to")).to_contain_text("Replying to Rafael Lima")
    expect(page.locator("input[name=parent]")).to_have_value(str(comment.pk))
    expect(page.locator("textarea[name=body]")).to_be_focused()


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("refusal", ["flood", "banned"])
def test_a_refused_comment_is_answered_at_the_form(
    live_server, page, settings, refusal, screenshot_dir
):
    """The 429 (posting too quickly) and a ban open at the form, message in
    view and the text kept, not at the top of a long page."""
    from comments.models import BannedCommenter, Comment
    from tests.factories import CommentFactory

    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory(title="A story with a long thread")
    for n in range(40):  # the form sits far below the first screen
        CommentFactory(article=article, approved=True, body=f"Comment {n}\n\n" * 3)
    if refusal == "banned":
        BannedCommenter.objects.create(email="ana@example.com")
    page.set_viewport_size({"width": 1280, "height": 800})
    url = live_server.url + article.get_absolute_url()
    typed = "Second thoughts on the hinge."

    def post(body):
        page.goto(url)
        page.fill("input[name=name]", "Ana Souza")
        page.fill("#comment-form input[name=email]", "ana@example.com")
        page.fill("textarea[name=body]", body)
        page.click("#comment-form input[type=submit]")

    if refusal == "flood":
        post("First thoughts.")
        assert Comment.objects.filter(body="First thoughts.").exists()
    post(typed)
    errors = page.locator("#form-errors")
    expected = (
        "too quickly: please wait 15 seconds between two comments"
        if refusal == "flood"
        else "not published"
    )
    expect(errors).to_contain_text(expected)
    expect(page.get_by_text(expected)).to_have_count(1)  # said once
    expect(errors).to_be_focused()  # which also reads it out to screen readers
    page.wait_for_function("window.scrollY > 1000")  # comments.js: into view
    assert in_viewport(page, "#form-errors")
    expect(page.locator("textarea[name=body]")).to_have_value(typed)
    assert not Comment.objects.filter(body=typed).exists()
    page.screenshot(path=screenshot_dir / f"refused-{refusal}-at-form.png")


def test_writing_fetches_the_visitors_own_form_time(live_server, page, settings):
    """comments.js swaps the page's shared form time for this visitor's when
    they start writing, so the too-fast rule measures them (here: posting at
    once is held as too fast, not as unknown)."""
    from comments.models import Comment

    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    article = ArticleFactory()
    page.goto(live_server.url + article.get_absolute_url())
    ts = page.locator("input[name=ts]")
    shared = ts.input_value()
    page.click("textarea[name=body]")
    page.wait_for_function(
        "old => document.querySelector('input[name=ts]').value !== old", arg=shared
    )
    page.fill("textarea[name=body]", "Posted at once.")
    page.fill("input[name=name]", "Ana Souza")
    page.fill("#comment-form input[name=email]", "ana@example.com")
    page.click("#comment-form input[type=submit]")
    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    assert Comment.objects.get(body="Posted at once.").rule == "too-fast"
