"""Every public page type is valid HTML (the Nu HTML Checker) and has no
serious or critical accessibility finding (axe-core), on demo content with a
menu of 30 sections; and the header fits a 1280 px and a 390 px screen."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import Page

from articles import front, live
from articles.models import Article, Section, Tag
from audience.models import ViewCount
from comments.models import Comment
from newsletters import tokens as newsletter_tokens
from tests.newsletters.conftest import ensure_newsletters
from tests.pagecheck import AXE_JS, VNU_JAR, vnu_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Real desks have many, long and accented section names.
EXTRA_SECTIONS = [
    "Ciência & Saúde", "Games", "Startups", "Criptomoedas", "Inteligência Artificial",
    "Segurança", "Mobilidade Urbana", "Carros Elétricos", "Espaço", "Política Digital",
    "Streaming", "Reviews", "Guias de Compra", "Opinião", "Podcasts", "Vídeos",
    "Mercado", "Trabalho Remoto", "Educação", "Meio Ambiente", "Energia",
    "Telecomunicações", "Software Livre", "Hardware", "Wearables", "Casa Conectada",
]  # fmt: skip


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is injected as an inline script, which our CSP forbids: this
    module's browser lets it in (the pages are otherwise unchanged)."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def site(roles, media_root):
    call_command("load_demo", verbosity=0)
    call_command("load_demo_comments", verbosity=0)
    start = Section.objects.count()
    for position, name in enumerate(EXTRA_SECTIONS, start=start + 1):
        Section.objects.create(name=name, slug=slugify(name), position=position)
    assert Section.objects.count() >= 30
    article = Article.objects.get(slug="xiaomi-leica-optical-institute")
    # Every page carries the breaking-news banner: checked with the rest.
    front.breaking_mark(user=None, article=article)
    # ... and the article is a live blog with updates, one pinned.
    desk = get_user_model().objects.get(username="admin")
    live.live_start(user=desk, article=article)
    for text in ("Doors open.", "<strong>Key:</strong> the first lab opens."):
        entry = live.live_post(user=desk, article=article, body=f"<p>{text}</p>")
    live.live_pin(user=desk, entry=entry)
    # ... and "most read" has stories in it.
    for views, story in enumerate(Article.objects.published()[:5], start=3):
        ViewCount.objects.create(
            period=timezone.now().replace(second=0, microsecond=0),
            article=story,
            source="direct",
            views=views,
        )
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "tag": Tag.objects.filter(articles=article).first().get_absolute_url(),
        "author": article.bylines.first().author.get_absolute_url(),
        "search": "/search/?q=leica",
        "search-empty": "/search/?q=",
        "report": reverse(
            "comments:report",
            args=[Comment.objects.filter(article=article, status="approved")[0].pk],
        ),
        "newsletters": "/newsletters/",
        "newsletter-manage": "/newsletters/manage/"
        + newsletter_tokens.manage_token("reader@example.com")
        + "/",
        "newsletter-confirm": "/newsletters/confirm/"
        + newsletter_tokens.confirm_token(
            "reader@example.com", [ensure_newsletters()["breaking-news"].pk]
        )
        + "/",
        "newsletter-unsubscribe": "/newsletters/unsubscribe/"
        + newsletter_tokens.unsubscribe_token(
            "reader@example.com", ensure_newsletters()["morning-briefing"].pk
        )
        + "/",
    }


def test_public_pages_are_valid_and_accessible(
    live_server, page: Page, site, tmp_path, screenshot_dir
):
    if not (VNU_JAR.exists() and AXE_JS.exists()):
        raise pytest.UsageError("validators missing: run scripts/ensure-validators")
    html, serious = {}, {}
    for name, url in site.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, (name, url)
        html[name] = response.text()
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious[name] = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.screenshot(path=screenshot_dir / f"checks-{name}.png", full_page=True)
    serious = {name: found for name, found in serious.items() if found}
    assert not serious, json.dumps(serious, indent=1, ensure_ascii=False)
    errors = vnu_errors(html, tmp_path)
    assert not errors, json.dumps(errors, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("width", [1280, 390])
def test_header_fits_the_screen_with_30_sections(
    live_server, page: Page, site, width, screenshot_dir
):
    page.set_viewport_size({"width": width, "height": 900})
    for url in (site["home"], site["article"]):
        page.goto(live_server.url + url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (url, scroll_width)
        box = page.get_by_role("searchbox").bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= width, box
    page.screenshot(path=screenshot_dir / f"header-30-sections-{width}.png")


def test_an_arabic_story_at_phone_width(live_server, page: Page, roles, screenshot_dir):
    """Right to left and within the screen at 390 px (and at 1280)."""
    from tests.factories import ArticleFactory

    article = ArticleFactory(
        title="ارتفاع أسعار الهواتف الذكية في العالم العربي هذا العام",
        standfirst="تقرير جديد يرصد تغير الأسعار في اثنتي عشرة دولة.",
        body="<p>"
        + "ارتفعت أسعار الهواتف الذكية بنسبة كبيرة خلال العام. " * 12
        + "</p>",
        language="ar",
    )
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + article.get_absolute_url())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        body = page.locator(".story .article-body p").first
        assert body.evaluate("el => getComputedStyle(el).direction") == "rtl"
        box, story = body.bounding_box(), page.locator(".story").bounding_box()
        assert box["x"] + box["width"] == pytest.approx(
            story["x"] + story["width"], abs=2
        )
        page.screenshot(path=screenshot_dir / f"arabic-story-{width}.png")


def test_an_arabic_comment_reads_right_to_left(live_server, page: Page, roles):
    from tests.factories import ArticleFactory, CommentFactory

    article = ArticleFactory(language="ar", title="ارتفاع أسعار الهواتف")
    CommentFactory(article=article, name="سارة", body="مقال رائع، شكرا")
    page.goto(live_server.url + article.get_absolute_url())
    body = page.locator(".comment-body").first
    assert body.evaluate("el => getComputedStyle(el).direction") == "rtl"
    field = page.locator("#comment-form textarea[name=body]")
    field.fill("تعليق جديد")
    assert field.evaluate("el => getComputedStyle(el).direction") == "rtl"


def test_the_portuguese_site_with_a_form_error(
    live_server, page: Page, roles, settings, screenshot_dir
):
    """The site in Brazilian Portuguese: a comment sent without a name is
    answered in Portuguese, with what was typed kept."""
    from tests.factories import ArticleFactory

    settings.LANGUAGE_CODE = "pt-br"
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory(
        title="Xiaomi e Leica criam instituto de óptica",
        standfirst="Parceria amplia a pesquisa em câmeras de celular.",
        body="<p>As duas empresas anunciaram o novo instituto.</p>",
        language="pt-br",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "pt-br"
    page.locator("#comment-form textarea[name=body]").fill("Ótima matéria!")
    page.get_by_role("button", name="Publicar comentário").click()
    page.wait_for_load_state()
    name_error = page.locator("#comment-form .invalid-feedback").first
    assert name_error.inner_text().strip() == "Por favor, digite seu nome aqui"
    assert page.locator("#comment-form textarea[name=body]").input_value() == (
        "Ótima matéria!"
    )
    page.screenshot(path=screenshot_dir / "portuguese-form-error.png")
