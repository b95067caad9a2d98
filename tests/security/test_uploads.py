import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.images import rendition_names
from articles.models import Article
from tests.factories import SectionFactory, UserFactory, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, roles, media_root):
    client.force_login(UserFactory(username="ed", groups="Editor"))
    return client


def post_image(client, upload, **extra):
    section = SectionFactory()
    data = {
        "title": "Image test",
        "slug": "image-test",
        "body": "<p>x</p>",
        "section": section.pk,
        "status": "draft",
        "featured_image": upload,
        "featured_image_alt": "Alt",
        "language": "en",  # the select's default, as a browser sends it
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        **extra,
    }
    return client.post(reverse("admin:articles_article_add"), data)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_svg_is_refused(editor_client):
    svg = SimpleUploadedFile(
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        content_type="image/svg+xml",
    )
    response = post_image(editor_client, svg)
    assert response.status_code == 200
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.jpg", b"GIF89a not really an image"),
        ("html.png", b"<html><script>alert(1)</script></html>"),
        ("empty.jpg", b""),
    ],
)
def test_non_images_are_refused(editor_client, name, content):
    response = post_image(editor_client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert not Article.objects.exists()


def test_tiff_is_refused_even_if_named_jpg(editor_client):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "TIFF")
    response = post_image(editor_client, SimpleUploadedFile("x.jpg", buffer.getvalue()))
    assert "images are not accepted" in response.content.decode()
    assert not Article.objects.exists()


def test_decompression_bomb_is_refused(editor_client, settings):
    settings.NEWSROOM_MAX_IMAGE_PIXELS = 1_000_000
    response = post_image(editor_client, image_file(size=(2000, 2000)))
    assert "too many pixels" in response.content.decode()
    assert not Article.objects.exists()


def test_size_limit(editor_client, settings):
    settings.NEWSROOM_MAX_IMAGE_BYTES = 1000
    response = post_image(editor_client, image_file(size=(400, 300)))
    assert "The image is too large" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_allowed_formats_are_accepted_under_random_names(editor_client, fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (200, 10, 10)).save(buffer, fmt)
    upload = SimpleUploadedFile(f"my holiday.{fmt.lower()}", buffer.getvalue())
    post_image(editor_client, upload)
    article = Article.objects.get()
    assert "holiday" not in article.featured_image.name
    assert article.featured_image.name.startswith("articles/")
    assert len(article.featured_image.name.split("/")[-1].split(".")[0]) == 32


def test_renditions_carry_no_exif_or_gps(editor_client, media_root, client):
    post_image(editor_client, SimpleUploadedFile("gps.jpg", jpeg_with_gps()))
    article = Article.objects.get()
    with Image.open(article.featured_image.path) as original:
        assert original.getexif().get(0x010F) == "SpyCam"  # the upload kept it
    renditions = article.featured_image_renditions
    names = rendition_names(renditions)
    assert len(names) > len(renditions["webp"] + renditions["fallback"])  # crops
    for name in names:
        with Image.open(media_root / name) as image:
            exif = image.getexif()
            assert not exif, name
            assert "exif" not in image.info, name
    # The social card is the 1200×630 crop (here no wider than the upload).
    social = renditions["crops"]["social"]["fallback"][-1][0]
    assert article.share_image_url.endswith(social)
