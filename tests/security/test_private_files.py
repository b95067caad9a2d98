"""Private files stay private: an original upload (with its EXIF and GPS
data) and a WordPress export (commenters' e-mails and addresses) are never
served at /media/; staff reach originals through a staff-only view,
imports only superusers; an import's files are deleted when it ends."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.models import Article
from tests.factories import UserFactory
from tests.security.test_uploads import jpeg_with_gps, post_image
from wpimport.models import ImportRun

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"


@pytest.fixture
def story(client, roles, media_root):
    client.force_login(UserFactory(username="ed", groups="Editor"))
    post_image(client, SimpleUploadedFile("gps.jpg", jpeg_with_gps()))
    return Article.objects.get()


def test_an_original_upload_is_never_served_to_readers(story, media_root):
    original = story.featured_image.name
    assert (media_root / original).exists()
    reader = Client()
    assert reader.get(f"/media/{original}").status_code == 404
    rendition = story.featured_image_renditions["fallback"][0][0]
    public = reader.get(f"/media/{rendition}")
    assert public.status_code == 200
    assert b"SpyCam" not in b"".join(public.streaming_content)


def test_the_originals_address_is_the_staff_only_view(story):
    url = story.featured_image.url
    assert url.startswith("/admin/private-media/articles/")
    reader = Client()
    assert reader.get(url).status_code == 302  # to the login page
    journalist = Client()
    journalist.force_login(UserFactory(username="jo", groups="Journalist"))
    response = journalist.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"SpyCam" in b"".join(response.streaming_content)


def upload_export(client):
    export = SimpleUploadedFile(
        "export.xml", (FIXTURES / "export-small.xml").read_bytes(), "text/xml"
    )
    return client.post("/admin/wpimport/importrun/add/", {"export_file": export})


@pytest.fixture
def admin_client(client, roles, media_root):
    client.force_login(UserFactory(username="root", groups="admin"))
    return client


def test_an_uploaded_export_is_private_and_deleted_when_the_import_ends(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    authors_step = upload_export(admin_client)["Location"]
    run = ImportRun.objects.get()
    name = run.export_file.name
    assert name.startswith("imports/") and (media_root / name).exists()
    assert Client().get(f"/media/{name}").status_code == 404
    editor = Client()
    editor.force_login(UserFactory(username="ed", groups="Editor"))
    assert editor.get(f"/admin/private-media/{name}").status_code == 403
    assert admin_client.get(f"/admin/private-media/{name}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(authors_step, {})
    run.refresh_from_db()
    assert run.status == "done"
    assert not (media_root / name).exists()
    assert run.export_file.name == "" and run.export_name == "export.xml"
    assert run.report["counts"]["articles"] == {"created": 20}  # the report stays


def test_a_cancelled_or_deleted_import_leaves_no_file(admin_client, media_root):
    first = upload_export(admin_client)["Location"]
    upload_export(admin_client)
    cancelled, deleted = ImportRun.objects.order_by("pk")
    files = [
        media_root / cancelled.export_file.name,
        media_root / deleted.export_file.name,
    ]
    assert all(path.exists() for path in files)
    admin_client.post(first, {"cancel": "1"})
    cancelled.refresh_from_db()
    assert cancelled.status == "failed" and not files[0].exists()
    admin_client.post(
        f"/admin/wpimport/importrun/{deleted.pk}/delete/", {"post": "yes"}
    )
    assert not ImportRun.objects.filter(pk=deleted.pk).exists()
    assert not files[1].exists()
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "imports/../../../etc/passwd",
    ],
)
def test_the_staff_view_serves_nothing_outside_the_media_folder(path, media_root):
    staff = Client()
    staff.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = staff.get(f"/admin/private-media/{path}")
    assert response.status_code in (400, 404)  # a suspicious path, or none
    assert b"root:" not in b"".join(getattr(response, "streaming_content", [b""]))
