"""The home grid at 1280 and 390 px with stories with a featured image, a
body image only and no image (#28 item 8): every card of a row has a
picture of the same height."""

import pytest
from django.core.files.base import ContentFile

from articles.images import public_storage, public_url
from articles.services import article_refresh_renditions
from tests.factories import ArticleFactory, SectionFactory, image_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_grid_is_even_whatever_pictures_the_stories_have(
    live_server, page, media_root, screenshot_dir, width
):
    section = SectionFactory(name="Hot News")
    name = public_storage().save("body/lab.jpg", ContentFile(image_file().read()))
    ArticleFactory(
        title="Body picture only",
        section=section,
        body=f'<figure class="figure"><img src="{public_url(name)}" alt="Lab"'
        ' width="1600" height="900"></figure><p>Text.</p>',
    )
    ArticleFactory(title="No picture at all", section=section)
    featured = ArticleFactory(
        title="Featured picture",
        section=section,
        featured_image=image_file(size=(1200, 1200)),  # square: cropped to 16:9
        featured_image_alt="A square photo",
    )
    article_refresh_renditions(article=featured)
    ArticleFactory(title="The lead", section=section)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    pictures = page.locator("section[aria-labelledby=latest-title] .card-img-top")
    assert pictures.count() == 3
    boxes = [pictures.nth(i).bounding_box() for i in range(3)]
    heights = {round(box["height"]) for box in boxes}
    assert len(heights) == 1, boxes
    assert heights.pop() > 100
    page.screenshot(path=screenshot_dir / f"home-grid-{width}.png", full_page=True)
