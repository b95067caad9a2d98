"""Images in the article body: uploaded through the same checks and
renditions as the featured image, the original never stored."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory, image_file

pytestmark = pytest.mark.django_db
URL = "/admin/articles/article/body-image/"


def upload(client, file):
    return client.post(URL, {"image": file})


def test_an_image_for_the_body_becomes_renditions(client, roles, media_root):
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    answer = upload(client, image_file("lab.jpg", size=(2000, 1000))).json()
    assert answer["url"].startswith("/media/body/") and answer["url"].endswith(
        "/1280.jpg"
    )
    assert (answer["width"], answer["height"]) == (1280, 640)
    name = answer["url"].removeprefix("/media/")
    assert default_storage.exists(name)
    folder = name.rsplit("/", 1)[0]
    files = sorted(default_storage.listdir(folder)[1])
    assert "lab.jpg" not in " ".join(files)  # the original (EXIF, GPS) is not kept
    assert {"1280.webp", "320.jpg"} <= set(files)


def test_what_is_not_an_image_is_refused_with_a_reason(client, roles, media_root):
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    fake = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")
    response = upload(client, fake)
    assert response.status_code == 400 and response.json()["error"]


def test_only_writers_upload(client, roles, media_root):
    client.force_login(UserFactory(username="mo", groups="Moderator"))
    assert upload(client, image_file()).status_code == 403
