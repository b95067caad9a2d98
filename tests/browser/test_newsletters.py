"""#32: the newsletter box on the reader's pages, without JavaScript (the
form posts, the next page answers) and with it (the box answers in
place); the confirmation link's button; RFC 8058's unsubscribe page."""

import re

from django.core import mail
from playwright.sync_api import expect

from newsletters import tokens
from newsletters.models import Subscription
from tests.factories import ArticleFactory, SectionFactory
from tests.newsletters.conftest import ensure_newsletters


def test_sign_up_without_and_with_javascript_then_unsubscribe(
    live_server, browser, opened, screenshot_dir, transactional_db
):
    lists = ensure_newsletters()
    SectionFactory(slug="tech")
    article = ArticleFactory(title="Chips and the plant")

    plain = opened(browser.new_context(java_script_enabled=False)).new_page()
    plain.goto(live_server.url + article.get_absolute_url())
    box = plain.locator("section.newsletter-box")
    box.get_by_label("E-mail address").fill("no-js@example.com")
    box.screenshot(path=screenshot_dir / "newsletter-box.png")
    box.get_by_role("button", name="Subscribe").click()
    expect(plain.get_by_role("status")).to_contain_text(
        "we sent a link to no-js@example.com"
    )
    (confirmation,) = mail.outbox
    path = re.search(r"/newsletters/confirm/\S+/", confirmation.body)[0]
    plain.goto(live_server.url + path)
    plain.get_by_role("button", name="Yes, subscribe me").click()
    expect(plain.get_by_role("status")).to_contain_text("will receive")
    assert Subscription.objects.get(subscriber__email="no-js@example.com").confirmed_at

    scripted = opened(browser.new_context()).new_page()
    scripted.goto(live_server.url + "/")
    box = scripted.locator("section.newsletter-box")
    box.get_by_label("E-mail address").fill("not an address")
    box.get_by_role("button", name="Subscribe").click()
    expect(box.get_by_role("status")).to_contain_text("valid e-mail address")
    box.get_by_label("E-mail address").fill("with-js@example.com")
    box.get_by_role("button", name="Subscribe").click()
    expect(box.get_by_role("status")).to_contain_text(
        "we sent a link to with-js@example.com"
    )
    assert scripted.url == live_server.url + "/"  # answered in place
    box.screenshot(path=screenshot_dir / "newsletter-box-sent.png")
    assert [m.to for m in mail.outbox][-1] == ["with-js@example.com"]

    token = tokens.unsubscribe_token("no-js@example.com", lists["morning-briefing"].pk)
    plain.goto(f"{live_server.url}/newsletters/unsubscribe/{token}/")
    plain.get_by_role("button", name="Unsubscribe").click()
    expect(plain.get_by_role("status")).to_contain_text(
        "will not receive Morning briefing"
    )
    plain.screenshot(path=screenshot_dir / "newsletter-unsubscribed.png")
    assert not Subscription.objects.filter(
        subscriber__email="no-js@example.com"
    ).exists()
