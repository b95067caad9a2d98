"""Images in the article body: uploaded through the same checks and
renditions as the featured image, into the media library (the original
kept privately, never served)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.models import LibraryImage
from tests.factories import UserFactory, image_file

pytestmark = pytest.mark.django_db
URL = "/admin/articles/article/body-image/"


def upload(client, file):
    return client.post(URL, {"image": file})


def test_an_image_for_the_body_becomes_renditions(client, roles, media_root):
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    answer = upload(client, image_file("lab.jpg", size=(2000, 1000))).json()
    assert answer["url"].startswith("/media/renditions/") and answer["url"].endswith(
        "/1280.jpg"
    )
    assert (answer["width"], answer["height"]) == (1280, 640)
    name = answer["url"].removeprefix("/media/")
    assert default_storage.exists(name)
    folder = name.rsplit("/", 1)[0]
    files = sorted(default_storage.listdir(folder)[1])
    # The original (EXIF, GPS) is kept by the library, privately, never
    # beside the renditions readers load.
    assert "lab.jpg" not in " ".join(files)
    assert {"1280.webp", "320.jpg"} <= set(files)
    original = LibraryImage.objects.get(key=answer["key"]).file.name
    assert original.startswith("library/")
    assert Client().get(f"/media/{original}").status_code == 404


def test_what_is_not_an_image_is_refused_with_a_reason(client, roles, media_root):
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    fake = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")
    response = upload(client, fake)
    assert response.status_code == 400 and response.json()["error"]


def test_only_writers_upload(client, roles, media_root):
    client.force_login(UserFactory(username="mo", groups="Moderator"))
    assert upload(client, image_file()).status_code == 403


# #28 item 1: the shells a broken edit leaves are never stored.
WRECK = (
    '<p>Before.</p><figure class="figure"><img src="/media/body/a/1280.jpg" '
    'alt="The lab"><figcaption>The lab. Photo: Leica</figcaption></figure>'
    + '<figure class="figure"><img class=""></figure><p>T</p>' * 3
    + '<p>An <img src="" alt="x"> inline shell.</p>'
    + "<figure><figcaption>A caption without its picture</figcaption></figure>"
    + '<figure><figure><img alt="nested, no file"></figure></figure>'
)


def test_the_sanitizer_drops_empty_images_and_figures_and_counts_them():
    from articles.html import empty_images, sanitize_html

    assert sanitize_html(WRECK) == (
        '<p>Before.</p><figure class="figure"><img src="/media/body/a/1280.jpg" '
        'alt="The lab"><figcaption>The lab. Photo: Leica</figcaption></figure>'
        "<p>T</p><p>T</p><p>T</p><p>An  inline shell.</p>"
    )
    # 3 empty figures, 1 image without an address, the caption's figure, the
    # nested pair (inner, then the outer it leaves empty).
    assert empty_images(WRECK) == 7
    kept = (
        '<figure class="figure"><figure class="figure"><img src="/a.jpg">'
        "</figure></figure>"
    )
    assert sanitize_html(kept) == kept and empty_images(kept) == 0


def test_a_save_with_empty_images_keeps_the_real_one_and_says_so(client, people):
    from articles.models import Article
    from tests.articles.test_admin import change_data
    from tests.factories import ArticleFactory

    client.force_login(people["Editor"])
    article = ArticleFactory(draft=True)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = client.post(url, change_data(article, body=WRECK), follow=True)
    assert "7 empty image(s) left out of the body" in response.content.decode()
    body = Article.objects.get(pk=article.pk).body
    assert body.count("<img") == 1 and 'src="/media/body/a/1280.jpg"' in body
    assert body.count("<figure") == 1


def test_the_revision_diff_names_an_image_added_or_removed():
    from articles.html import html_to_text
    from articles.services import word_diff

    before = "<p>Intro.</p><p>End.</p>"
    after = (
        '<p>Intro.</p><figure class="figure"><img src="/media/body/a/1280.jpg" '
        'alt="The optical lab"><figcaption>Photo: Leica</figcaption></figure>'
        "<p>End.</p>"
    )
    old, new = html_to_text(before, images=True), html_to_text(after, images=True)
    assert new == "Intro.\n[Image: The optical lab]\nPhoto: Leica\nEnd."
    assert word_diff(old, new) == (
        "Intro. <ins>[Image: The optical lab] Photo: Leica</ins> End."
    )
    assert word_diff(new, old) == (
        "Intro. <del>[Image: The optical lab] Photo: Leica</del> End."
    )
    no_alt = '<p><img src="/media/body/b/320.webp" alt=""></p>'
    assert html_to_text(no_alt, images=True) == "[Image: 320.webp]"
    assert html_to_text(after) == "Intro.\nPhoto: Leica\nEnd."  # search text
