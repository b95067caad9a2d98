import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article
from comments.models import Comment
from tests.factories import UserFactory
from wpimport.models import ImportRun
from wpimport.tasks import UnsafeZip, extract_uploads

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
ADD = "/admin/wpimport/importrun/add/"


def uploads_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (FIXTURES / "uploads").rglob("*"):
            if path.is_file():
                relative = path.relative_to(FIXTURES / "uploads")
                archive.write(path, f"uploads/{relative}")
    return buffer.getvalue()


def test_admin_uploads_and_imports_in_the_background(
    client, media_root, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="root", groups="admin"))
    assert client.get(ADD).status_code == 200
    export = SimpleUploadedFile(
        "export.xml", (FIXTURES / "export-small.xml").read_bytes(), "text/xml"
    )
    media = SimpleUploadedFile("uploads.zip", uploads_zip(), "application/zip")
    response = client.post(ADD, {"export_file": export, "uploads_zip": media})
    assert response.status_code == 302  # to the authors step
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {})  # every author a new account
    run = ImportRun.objects.get()
    assert run.status == "done", run.error
    assert run.progress == {"stage": "posts", "done": 20, "total": 20}
    assert run.report["counts"]["articles"] == {"created": 20}
    assert Article.objects.count() == 20 and Comment.objects.count() == 59
    assert Article.objects.exclude(featured_image="").count() == 3
    page = client.get(f"/admin/wpimport/importrun/{run.pk}/change/").content.decode()
    assert "20 created" in page and "warning(s)" in page


@pytest.mark.parametrize("role", ["Editor", "Journalist", "Moderator"])
def test_only_admins_can_import(client, roles, role):
    client.force_login(UserFactory(username="u", groups=role))
    assert client.get(ADD).status_code == 403


def test_zip_slip_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    with pytest.raises(UnsafeZip):
        extract_uploads(io.BytesIO(buffer.getvalue()), tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_zip_bomb_is_refused(tmp_path, settings):
    settings.WPIMPORT_MAX_UNZIPPED_BYTES = 1000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", b"\0" * 10_000)
    with pytest.raises(UnsafeZip):
        extract_uploads(io.BytesIO(buffer.getvalue()), tmp_path / "out")
