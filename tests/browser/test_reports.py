"""A reader reports a comment: in place with JavaScript, on a page of its
own without; the moderator finds it in the Reported queue and keeps it by
keyboard."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentReport
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thread():
    article = ArticleFactory(title="Chip plant opens in Porto")
    troll = CommentFactory(article=article, name="Troll", body="All of you are fools.")
    CommentFactory(article=article, name="Ana", body="A fair point about wages.")
    return article, troll


@pytest.mark.parametrize("javascript", [True, False], ids=["inline", "no-js"])
def test_a_reader_reports_a_comment(
    live_server, browser, thread, screenshot_dir, javascript
):
    article, troll = thread
    url = live_server.url + article.get_absolute_url()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(url)
    item = page.locator(f"#comment-{troll.pk}")
    item.get_by_role("link", name="Report").click()
    if javascript:
        form = item.locator("form.comment-report-form")
        expect(form).to_be_visible()
        assert page.url == url  # still on the article
    else:
        expect(page.get_by_role("heading", name="Report a comment")).to_be_visible()
        form = page.locator("form[method=post]")
    form.get_by_label("Off topic").check()
    form.get_by_label("Anything a moderator should know").fill("Not about Porto")
    (item if javascript else page).screenshot(
        path=screenshot_dir / f"report-{'inline' if javascript else 'no-js'}.png"
    )
    form.get_by_role("button", name="Send the report").click()
    done = item if javascript else page
    expect(done.get_by_role("status")).to_contain_text(
        "A moderator will look at this comment"
    )
    report = CommentReport.objects.get()
    assert (report.comment_id, report.reason, report.note) == (
        troll.pk,
        "off-topic",
        "Not about Porto",
    )
    assert Comment.objects.get(pk=troll.pk).status == "approved"
    context.close()


def test_the_moderator_keeps_a_reported_comment_by_keyboard(
    live_server, browser, thread, roles, login, screenshot_dir
):
    article, troll = thread
    CommentReport.objects.create(comment=troll, reason="abusive", visitor="a", ip=None)
    UserFactory(username="max", groups="Moderator")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    login(page, "max")
    page.goto(f"{live_server.url}/admin/comments/comment/?status__exact=pending")
    page.get_by_role("link", name="1 reported by readers").click()
    row = page.locator("#result_list tbody tr", has_text="All of you are fools.")
    expect(row).to_contain_text("Reported 1×: Abusive or hateful ×1")
    page.screenshot(path=screenshot_dir / "reported-queue.png")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator("#nr-live")).to_contain_text("kept: its reports are closed")
    assert not CommentReport.objects.filter(closed_at__isnull=True).exists()
    assert Comment.objects.get(pk=troll.pk).status == "approved"
    context.close()


def test_a_pick_made_by_keyboard_appears_above_the_thread(
    live_server, browser, thread, roles, login, screenshot_dir
):
    article, _ = thread
    UserFactory(username="max", groups="Moderator")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    login(page, "max")
    page.goto(f"{live_server.url}/admin/comments/comment/?status__exact=approved")
    row = page.locator("#result_list tbody tr", has_text="A fair point about wages.")
    row.click(position={"x": 5, "y": 5})
    page.keyboard.press("f")
    expect(page.locator("#nr-live")).to_contain_text("is an editors' pick")
    expect(row.locator(".nr-pick")).to_have_text("Unpick")
    reader = browser.new_context(viewport={"width": 390, "height": 844})
    article_page = reader.new_page()
    article_page.goto(live_server.url + article.get_absolute_url())
    picks = article_page.locator(".comment-picks")
    expect(picks).to_contain_text("A fair point about wages.")
    expect(picks).not_to_contain_text("All of you are fools.")
    picks.scroll_into_view_if_needed()
    article_page.screenshot(path=screenshot_dir / "editors-picks.png")
    reader.close()
    context.close()


def test_the_thread_sorts_without_javascript(
    live_server, browser, thread, screenshot_dir
):
    article, _ = thread
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    bodies = page.locator(".comment-thread > li .comment-body")
    expect(bodies.first).to_have_text("All of you are fools.")
    page.get_by_role("link", name="Newest").click()
    assert "csort=newest" in page.url
    expect(bodies.first).to_have_text("A fair point about wages.")
    expect(page.locator(".comment-sort strong")).to_have_text("Newest")
    page.locator(".comment-sort").screenshot(path=screenshot_dir / "thread-sort.png")
    context.close()


def test_a_commenter_asks_for_reply_emails_and_confirms_by_the_link(
    live_server, page, thread, settings, screenshot_dir
):
    """The opt-in box, the confirmation e-mail, its link's page and button
    (double opt-in), then a reply's e-mail (Django's locmem mail)."""
    import re

    from django.core import mail

    from comments import services
    from comments.models import MailAddress

    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article, troll = thread
    page.goto(live_server.url + article.get_absolute_url())
    page.fill("textarea[name=body]", "Porto needs the jobs.")
    page.fill("input[name=name]", "Bea")
    page.fill("#comment-form input[name=email]", "bea@example.com")
    page.get_by_label("E-mail me when someone replies to my comment").check()
    page.get_by_role("button", name="Post Comment").click()
    expect(page.get_by_text("awaiting moderation").first).to_be_visible()
    (confirmation,) = mail.outbox
    assert confirmation.to == ["bea@example.com"]
    path = re.search(r"/comments/confirm/\S+/", confirmation.body)[0]
    page.goto(live_server.url + path)
    assert MailAddress.objects.get().state == "unconfirmed"
    page.screenshot(path=screenshot_dir / "reply-mails-confirm.png")
    page.get_by_role("button", name="Yes, confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("is confirmed")
    assert MailAddress.objects.get().state == "confirmed"
    mine = Comment.objects.get(email="bea@example.com")
    moderator = UserFactory(username="mo-replies", is_superuser=True)
    services.comment_approve(comment=mine, moderator=moderator)
    services.comment_staff_reply(parent=mine, moderator=moderator, body="Agreed.")
    assert [m.to for m in mail.outbox][-1] == ["bea@example.com"]
    assert "> Agreed." in mail.outbox[-1].body
