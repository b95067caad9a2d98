"""The back office passes the checks the reader pages pass (#28 item 11):
the Nu HTML Checker (no error) and axe-core (no serious or critical
finding) on the article form, the WordPress import form, the editorial
desk, the moderation queue and dashboard, the login and lockout pages."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from articles import live
from articles.models import Article, AuthorProfile, LibraryImage
from comments.models import Comment
from newsletters import editions
from newsletters.models import Newsletter
from tests.newsletters.conftest import ensure_newsletters
from tests.pagecheck import AXE_JS, VNU_JAR, vnu_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is injected as an inline script, which our CSP forbids."""
    return {**browser_context_args, "bypass_csp": True}


def check(page: Page, url: str, live_server) -> tuple[str, list[str]]:
    """The page as the server sent it (for vnu: axe adds a script), and
    axe's findings once the page's own scripts have run."""
    response = page.goto(live_server.url + url)
    assert response.status == 200, url
    return response.text(), axe_findings(page)


def axe_findings(page: Page) -> list[str]:
    # The page as people meet it: scripts done, icon fonts in (axe reads an
    # icon font's ligature names as text until the font has loaded).
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => null)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return serious


def test_the_back_office_is_valid_and_accessible(
    live_server,
    page: Page,
    roles,
    media_root,
    tmp_path,
    login,
    settings,
    screenshot_dir,
):
    if not (VNU_JAR.exists() and AXE_JS.exists()):
        raise pytest.UsageError("validators missing: run scripts/ensure-validators")
    call_command("load_demo", verbosity=0)
    call_command("load_demo_comments", verbosity=0)
    article = Article.objects.get(slug="xiaomi-leica-optical-institute")
    comment = Comment.objects.filter(article=article).first()
    desk = get_user_model().objects.get(username="admin")
    live.live_start(user=desk, article=article)  # the live blog's desk page
    live.live_post(user=desk, article=article, body="<p>First update.</p>")
    profile = AuthorProfile.objects.first()
    picture = LibraryImage.objects.filter(key=article.featured_item_id).get()
    ensure_newsletters()
    edition = editions.briefing_compose(
        newsletter=Newsletter.objects.get(slug="morning-briefing")
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    html, serious = {}, {}
    html["login"], serious["login"] = check(page, "/admin/login/", live_server)
    login(page, "admin", "newsroom-demo")
    for name, url in {
        "desk": "/admin/",
        "article-add": "/admin/articles/article/add/",
        "article-change": f"/admin/articles/article/{article.pk}/change/",
        "article-list": "/admin/articles/article/",
        "import": "/admin/wpimport/importrun/add/",
        "queue": "/admin/comments/comment/?status__exact=pending",
        "dashboard": "/admin/comments/comment/desk/",
        "story-comments": f"/admin/comments/comment/story/{article.pk}/",
        "reply": f"/admin/comments/comment/{comment.pk}/reply/",
        "ban": f"/admin/comments/comment/{comment.pk}/ban/",
        "audit-log": "/admin/articles/auditentry/",
        "front-page": "/admin/articles/frontslot/",
        "audience-now": "/admin/audience/viewcount/",
        "live-blog": f"/admin/articles/article/{article.pk}/live/",
        "author-profile": f"/admin/articles/authorprofile/{profile.pk}/change/",
        "library": "/admin/articles/libraryimage/",
        "library-add": "/admin/articles/libraryimage/add/",
        "library-picture": f"/admin/articles/libraryimage/{picture.pk}/change/",
        "newsletter-sends": "/admin/newsletters/send/",
        "newsletter-edition": f"/admin/newsletters/send/{edition.pk}/change/",
        "newsletter-alert": f"/admin/newsletters/send/alert/{article.pk}/",
        "newsletters": "/admin/newsletters/newsletter/",
        "api-keys": "/admin/api/apikey/",
        "webhooks": "/admin/api/webhook/",
        "webhook-log": "/admin/api/webhookdelivery/",
    }.items():
        html[name], serious[name] = check(page, url, live_server)
    # The pages that show a key and a webhook's secret, once.
    page.goto(f"{live_server.url}/admin/api/apikey/add/")
    html["api-key-add"] = page.content()  # before axe's script joins it
    serious["api-key-add"] = axe_findings(page)
    page.fill("#id_name", "Wire desk")
    page.select_option("#id_role", "journalist")
    page.click("input[name=_save]")
    expect(page.locator("#api-key")).to_have_value(re.compile(r"^nr_"))
    html["api-key-issued"], serious["api-key-issued"] = (
        page.content(),
        axe_findings(page),
    )
    page.screenshot(path=str(screenshot_dir / "api-key-issued.png"), full_page=True)
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    page.goto(f"{live_server.url}/admin/api/webhook/add/")
    html["webhook-add"] = page.content()  # before axe's script joins it
    serious["webhook-add"] = axe_findings(page)
    page.fill("#id_name", "Partner app")
    page.fill("#id_url", "http://127.0.0.1:9/hooks")
    page.check("input[value='story.published']")
    page.click("input[name=_save]")
    expect(page.locator("#hook-secret")).to_have_value(re.compile(r"^whsec_"))
    html["webhook-secret"], serious["webhook-secret"] = (
        page.content(),
        axe_findings(page),
    )
    page.screenshot(path=str(screenshot_dir / "webhook-secret.png"), full_page=True)
    # A byline row added in the browser is named as the first ones are.
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator(".add-row a").click()
    expect(page.locator("#id_bylines-2-author")).to_be_attached()
    serious["added-byline"] = axe_findings(page)
    page.context.clear_cookies()
    for _ in range(5):  # the lockout page answers the fifth wrong password
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", "wrong")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("input[type=submit]")
    assert posted.value.status in (403, 429)
    html["lockout"] = posted.value.text()
    serious["lockout"] = axe_findings(page)
    serious = {name: found for name, found in serious.items() if found}
    errors = vnu_errors(html, tmp_path)
    print(json.dumps({"axe": serious, "vnu": errors}, indent=1, ensure_ascii=False))
    assert not serious, json.dumps(serious, indent=1, ensure_ascii=False)
    assert not errors, json.dumps(errors, indent=1, ensure_ascii=False)
