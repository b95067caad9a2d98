"""Every upload while the object store is down is answered, not a 500: the
form comes back with everything else that was typed and says the file could
not be stored; nothing is half saved."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import AuthorProfile
from tests.factories import AuthorProfileFactory, UserFactory, image_file
from wpimport.models import ImportRun

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).resolve().parents[1] / "fixtures/wordpress/export-small.xml"


def test_an_author_photo_while_the_store_is_down(client, roles, storage_down):
    client.force_login(UserFactory(username="ed", groups="Editor"))
    profile = AuthorProfileFactory(display_name="Ana", bio="Old bio")
    response = client.post(
        reverse("admin:articles_authorprofile_change", args=[profile.pk]),
        {
            "user": profile.user_id,
            "display_name": "Ana Souza",
            "slug": profile.slug,
            "bio": "A bio typed during the outage",
            "is_active": "on",
            "photo": image_file("me.jpg", size=(400, 400)),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The media storage does not answer just now" in html
    assert "A bio typed during the outage" in html
    profile.refresh_from_db()
    assert (profile.bio, profile.photo.name) == ("Old bio", "")


def test_a_body_image_while_the_store_is_down(client, roles, storage_down):
    client.force_login(UserFactory(username="ed", groups="Editor"))
    response = client.post(
        reverse("admin:articles_article_body_image"),
        {"image": image_file("body.jpg", size=(800, 600))},
    )
    assert response.status_code == 503
    assert "does not answer just now" in response.json()["error"]


def test_an_import_upload_while_the_store_is_down(client, roles, storage_down):
    client.force_login(UserFactory(username="root", groups="admin"))
    export = SimpleUploadedFile("export.xml", EXPORT.read_bytes(), "text/xml")
    response = client.post("/admin/wpimport/importrun/add/", {"export_file": export})
    assert response.status_code == 200
    assert "does not answer just now" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert AuthorProfile.objects.count() == 0
