"""A journalist writes, an editor schedules and publishes, a reader reads."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 788), (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def pick_autocomplete(page: Page, field: str, text: str):
    """Choose `text` in the admin's select2 autocomplete for `field`."""
    page.click(f"#id_{field} + .select2-container .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.locator(
        ".select2-container--open .select2-results__option", has_text=text
    ).first.click()


def pick_tag(page: Page, text: str):
    page.click(".field-tags .select2-selection")
    page.fill(".field-tags .select2-search__field", text)
    page.locator(
        ".select2-container--open .select2-results__option", has_text=text
    ).first.click()


def save(page: Page):
    page.click("input[name=_save]")
    page.wait_for_load_state()


def test_journalist_to_editor_to_reader(
    live_server, browser, roles, login, media_root, screenshot_dir
):
    section = SectionFactory(name="Hot News", slug="hot-news")
    journalist = UserFactory(username="julia", groups="Journalist")
    AuthorProfileFactory(
        user=journalist,
        display_name="Julia Santos",
        slug="julia-santos",
        job_title="Reporter",
        bio="I am a passionate and hardworking journalist with an eye for detail.",
    )
    UserFactory(username="erin", groups="Editor")
    ArticleFactory(title="New planet detected", section=section)
    TagFactory(name="Leica", slug="leica")

    # The journalist writes an article with a featured image and submits it.
    writer = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = writer.new_page()
    login(page, "julia")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "Xiaomi and Leica open a joint optical institute")
    page.fill("#id_standfirst", "Three laboratories in Beijing.")
    editor_box = page.locator(".ProseMirror[contenteditable=true]").first
    editor_box.click()
    page.keyboard.type("Xiaomi and photography company Leica announced a partnership.")
    pick_autocomplete(page, "section", "Hot News")
    pick_tag(page, "Leica")
    page.set_input_files(
        "#id_featured_image",
        files=[{"name": "lab.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.fill("#id_featured_image_alt", "The optical lab")
    page.fill("#id_featured_image_caption", "The new institute")
    page.fill("#id_source_name", "Tec Mundo")
    page.fill("#id_source_url", "https://www.tecmundo.com.br/")
    page.select_option("#id_status", "in_review")
    expect(page.locator("#id_status option[value=published]")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "admin-article-edit.png", full_page=True)
    save(page)
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get(
        slug="xiaomi-and-leica-open-a-joint-optical-institute"
    )
    assert article.status == Article.Status.IN_REVIEW
    assert "Leica announced a partnership" in article.body
    assert article.featured_image_renditions["webp"]
    assert [t.name for t in article.tags.all()] == ["Leica"]
    assert article.section == section
    writer.close()

    # The editor schedules it a minute ahead, then publishes it now.
    desk = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = desk.new_page()
    login(page, "erin")
    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    page.select_option("#id_status", "published")
    later = timezone.localtime() + timedelta(minutes=1)
    page.fill("#id_published_at_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", later.strftime("%H:%M:%S"))
    save(page)
    expect(page.locator("#result_list")).to_contain_text("Scheduled for")
    reader = browser.new_context(viewport={"width": 1280, "height": 1000})
    reader_page = reader.new_page()
    reader_page.goto(live_server.url + "/")
    expect(reader_page.get_by_text("Xiaomi and Leica open")).to_have_count(0)

    row = page.locator("#result_list tr", has_text="Xiaomi and Leica")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "publish_selected")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Published 1 article")
    desk.close()

    # A reader finds it on the home page and opens it.
    reader_page.goto(live_server.url + "/")
    reader_page.get_by_role(
        "link", name="Xiaomi and Leica open a joint optical institute"
    ).first.click()
    expect(reader_page.locator("h1")).to_have_text(
        "Xiaomi and Leica open a joint optical institute"
    )
    body = reader_page.locator("main")
    expect(body).to_contain_text("Three laboratories in Beijing.")
    expect(body).to_contain_text("By Julia Santos")
    expect(reader_page.locator("a.section-label").first).to_have_text("Hot News")
    expect(body).to_contain_text("Leica announced a partnership.")
    expect(reader_page.get_by_role("link", name="Tec Mundo")).to_have_attribute(
        "rel", "nofollow noopener"
    )
    expect(body).to_contain_text("Previous article")
    expect(body).to_contain_text("New planet detected")
    expect(body).to_contain_text("I am a passionate and hardworking journalist")
    image = reader_page.locator("figure.featured-figure img")
    expect(image).to_have_attribute("alt", "The optical lab")
    expect(image).to_have_attribute("width", "1400")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(body).to_contain_text("The new institute")
    expect(reader_page.get_by_role("link", name="Leica", exact=True)).to_be_visible()
    reader_page.screenshot(path=screenshot_dir / "article-page.png", full_page=True)
    reader_page.set_viewport_size({"width": 390, "height": 844})
    assert reader_page.evaluate("document.documentElement.scrollWidth") <= 390
    reader_page.screenshot(
        path=screenshot_dir / "article-page-phone.png", full_page=True
    )
    reader.close()


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        ("小米与徕卡合作成立光学研究院", "小米与徕卡合作成立光学研究院"),
        ("ارتفاع أسعار الهواتف", "ارتفاع-أسعار-الهواتف"),
    ],
)
def test_a_non_latin_headline_gets_a_readable_slug_in_the_admin(
    live_server, page, roles, login, headline, slug
):
    """The admin's slug prepopulation keeps the headline's script (it left a
    Chinese slug empty and transliterated Arabic to Latin letters)."""
    UserFactory(username="erin", groups="Editor")
    login(page, "erin")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially(headline)
    page.keyboard.press("Tab")  # on to the next field, as an editor does
    expect(page.locator("#id_slug")).to_have_value(slug)
