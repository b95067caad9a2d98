"""The photo desk in a real browser: a picture uploaded to the library, its
focal point set with a click, picked into a story's body (the figure dialog
offered its words) and as the featured image; readers see the crops made
around that point."""

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from articles.models import Article, LibraryImage
from tests.browser.test_publishing import pick_autocomplete
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rocket_on_the_right() -> bytes:
    """A wide picture whose subject (a red block) stands at the right: a
    centred crop would cut it off."""
    image = Image.new("RGB", (1800, 1000), (40, 70, 140))
    ImageDraw.Draw(image).rectangle((1450, 250, 1700, 750), fill=(220, 40, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_upload_set_the_focal_point_and_pick_from_the_library(
    live_server, browser, login, roles, media_root, screenshot_dir
):
    UserFactory(username="erin", groups="Editor")
    erin = UserFactory._meta.model.objects.get(username="erin")
    story = ArticleFactory(
        title="A launch at dawn",
        body="<p>The rocket lifted off at six.</p>",
        created_by=erin,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    login(page, "erin")

    # Upload into the library with its words and rights.
    page.goto(live_server.url + "/admin/articles/libraryimage/add/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "launch.jpg",
                "mimeType": "image/jpeg",
                "buffer": rocket_on_the_right(),
            }
        ],
    )
    page.fill("#id_title", "Rocket on the pad")
    page.fill("#id_alt", "A red rocket on its launch pad")
    page.fill("#id_caption", "The rocket before launch.")
    page.fill("#id_credit", "Ana Ruiz")
    page.select_option("#id_licence", "agency")
    page.fill("#id_tags", "space, launch")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # A click on the subject sets the focal point; saving remakes the crops.
    picker = page.locator(".focal-picker img")
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.88, "y": box["height"] * 0.5})
    assert 0.85 <= float(page.input_value("#id_focal_x")) <= 0.91
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    item = LibraryImage.objects.get(title="Rocket on the pad")
    assert 0.85 <= item.focal_x <= 0.91
    assert item.renditions["focal"] == [item.focal_x, item.focal_y]
    card = page.locator("figure.crop img").first
    expect(card).to_be_visible()
    # The card crop holds the subject: red at its right third, not cut off.
    page.locator(".focal-picker").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "library-focal-point.png", full_page=True)

    page.goto(live_server.url + "/admin/articles/libraryimage/")
    expect(page.locator(".library-card")).to_contain_text("Rocket on the pad")
    expect(page.locator(".library-card")).to_contain_text("Ana Ruiz")
    page.screenshot(path=screenshot_dir / "library-grid.png")

    # In the story: choose it from the library into the body...
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.locator(".ProseMirror[contenteditable=true] p").first.click()
    page.keyboard.press("End")
    page.get_by_role("button", name="Choose from the library").click()
    picker_dialog = page.locator("dialog.library-picker")
    picker_dialog.locator("input[type=search]").fill("rocket")
    pick = picker_dialog.locator(".library-pick", has_text="Rocket on the pad")
    expect(pick).to_be_visible()
    page.screenshot(path=screenshot_dir / "library-picker.png")
    pick.click()
    figure_dialog = page.locator("dialog[open]")
    expect(figure_dialog.locator("input[name=imageUrl]")).to_have_value(
        re.compile(rf"^/media/renditions/{item.key}/.+\.jpg$")
    )
    expect(figure_dialog.locator("input[name=altText]")).to_have_value(
        "A red rocket on its launch pad"
    )
    expect(figure_dialog.locator("input[name=caption]")).to_have_value(
        "The rocket before launch. Photo: Ana Ruiz"
    )
    figure_dialog.get_by_role("button", name="Insert").click()
    # ...and as the featured image.
    pick_autocomplete(page, "featured_item", "Rocket on the pad")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert story.featured_item_id == item.key
    assert story.image_keys == [item.key]
    assert (
        "<figcaption>The rocket before launch. Photo: Ana Ruiz</figcaption>"
        in story.body
    )

    # Enter in a field saves and stays (the hidden default button), rather
    # than pressing the first workflow button.
    page.fill("#id_title", "A launch at dawn, from the pad")
    page.press("#id_title", "Enter")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert story.title == "A launch at dawn, from the pad"
    assert story.status == Article.Status.PUBLISHED
    # "Used in" on the picture names the story.
    page.goto(f"{live_server.url}/admin/articles/libraryimage/{item.pk}/change/")
    expect(page.locator(".used-in")).to_contain_text("A launch at dawn, from the pad")
    context.close()

    # Readers: the card crop in listings, the social crop in the share card,
    # the credit under the featured picture.
    reader = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = reader.new_page()
    page.goto(live_server.url + "/")
    card = page.locator("article", has_text="A launch at dawn").locator("img").first
    expect(card).to_have_attribute("src", re.compile(rf"/renditions/{item.key}/card-"))
    assert card.evaluate("img => img.complete && img.naturalWidth > 0")
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator("meta[property='og:image']")).to_have_attribute(
        "content", re.compile(rf"/renditions/{item.key}/social-\d+-\d+-1200\.jpg$")
    )
    expect(page.locator("figure.featured-figure")).to_contain_text("Ana Ruiz")
    page.screenshot(path=screenshot_dir / "library-featured-on-page.png")
    reader.close()
