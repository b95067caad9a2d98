"""A WordPress import never changes an existing account: existing users are
matched only by an explicit mapping, never rewritten; other authors become
new accounts without staff rights or a password."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from articles.models import Article, AuthorProfile
from comments.tasks import moderator_emails
from tests.factories import AuthorProfileFactory, UserFactory
from wpimport.models import ImportRun
from wpimport.services import UnknownAccount, wordpress_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
HOSTILE = FIXTURES / "export-hostile.xml"
User = get_user_model()


@pytest.fixture
def moderator(roles):
    user = UserFactory(
        username="moderator",
        email="mod@newsroom.example",
        first_name="Maria",
        last_name="Moderadora",
        groups="Moderator",
    )
    AuthorProfileFactory(user=user, display_name="Maria M.", slug="maria")
    return user


def account(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    profile = AuthorProfile.objects.filter(user=user).values_list(
        "display_name", "slug", "bio"
    )
    return (
        user.username, user.email, user.first_name, user.last_name, user.password,
        user.is_staff, user.is_superuser, sorted(user.groups.values_list("name")),
        list(profile),
    )  # fmt: skip


def test_an_export_naming_a_staff_account_never_rewrites_it(moderator, media_root):
    before = account(moderator)
    report = wordpress_import(path=HOSTILE)
    assert account(moderator) == before
    assert moderator_emails() == ["mod@newsroom.example"]
    twin = User.objects.get(email="attacker@evil.example")
    assert twin.username == "moderator-wp"
    assert not (twin.is_staff or twin.is_superuser or twin.groups.exists())
    assert not twin.has_usable_password()
    story = Article.objects.get(slug="pagina-tomada")
    assert [a.user for a in story.authors.all()] == [twin]
    matches = {w["item"]: w["message"] for w in report.warnings}
    assert "new account 'moderator-wp'" in matches["author 'moderator'"]
    assert "taken" in matches["author 'moderator'"]
    assert "new account 'joão.repórter'" in matches["author 'joão.repórter'"]


def test_an_author_is_credited_to_an_account_only_when_mapped(moderator, media_root):
    before = account(moderator)
    report = wordpress_import(path=HOSTILE, author_map={"moderator": "moderator"})
    assert account(moderator) == before
    assert not User.objects.filter(email="attacker@evil.example").exists()
    story = Article.objects.get(slug="pagina-tomada")
    assert [a.user for a in story.authors.all()] == [moderator]
    matches = {w["item"]: w["message"] for w in report.warnings}
    assert matches["author 'moderator'"] == "credited to existing account 'moderator'"


def test_a_mapping_to_an_unknown_account_imports_nothing(media_root):
    with pytest.raises(UnknownAccount):
        wordpress_import(path=HOSTILE, author_map={"moderator": "nobody"})
    assert not Article.objects.exists() and User.objects.count() == 0
    with pytest.raises(CommandError, match="nobody"):
        call_command(
            "import_wordpress", str(HOSTILE), "--map-author", "moderator=nobody"
        )
    with pytest.raises(CommandError, match="WP_LOGIN=USERNAME"):
        call_command("import_wordpress", str(HOSTILE), "--map-author", "moderator")


def test_the_command_maps_authors(moderator, media_root, capsys):
    call_command(
        "import_wordpress", str(HOSTILE), "--map-author", "moderator=moderator"
    )
    out = capsys.readouterr().out
    assert "credited to existing account 'moderator'" in out
    story = Article.objects.get(slug="pagina-tomada")
    assert [a.user for a in story.authors.all()] == [moderator]


def test_a_new_import_of_a_changed_export_does_not_change_the_accounts_it_made(
    media_root, tmp_path
):
    wordpress_import(path=HOSTILE)
    made = User.objects.get(username="moderator")  # free: the import made it
    made.is_staff = True  # an editor later gave it rights
    made.save()
    before = account(made)
    changed = tmp_path / "changed.xml"
    changed.write_text(
        HOSTILE.read_text().replace("attacker@evil.example", "other@evil.example")
    )
    report = wordpress_import(path=changed)
    assert account(made) == before
    assert report.counts["authors"]["unchanged"] == 2


def upload(client):
    export = SimpleUploadedFile("export.xml", HOSTILE.read_bytes(), "text/xml")
    return client.post("/admin/wpimport/importrun/add/", {"export_file": export})


def test_the_admin_asks_who_each_author_is_before_importing(
    client, moderator, media_root, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="root", groups="admin"))
    response = upload(client)
    run = ImportRun.objects.get()
    assert response["Location"] == f"/admin/wpimport/importrun/{run.pk}/authors/"
    assert run.status == "authors" and not Article.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "attacker@evil.example" in page
    assert "An account named “moderator” exists" in page
    assert 'value="" selected' in page  # a new account unless chosen
    before = account(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], {"author_0": "", "author_1": ""})
    assert done.status_code == 302
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert account(moderator) == before
    assert User.objects.filter(username="moderator-wp").exists()
    change = client.get(f"/admin/wpimport/importrun/{run.pk}/change/").content
    assert "a new account" in change.decode()


def test_the_admin_mapping_credits_the_chosen_account(
    client, moderator, media_root, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="root", groups="admin"))
    url = upload(client)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"author_0": "moderator", "author_1": ""})
    story = Article.objects.get(slug="pagina-tomada")
    assert [a.user for a in story.authors.all()] == [moderator]
    assert ImportRun.objects.get().author_map == {"moderator": "moderator"}


def test_a_file_that_is_not_an_export_is_refused_at_upload(client, media_root):
    client.force_login(UserFactory(username="root", groups="admin"))
    bad = SimpleUploadedFile("export.xml", b"<html></html>", "text/xml")
    response = client.post("/admin/wpimport/importrun/add/", {"export_file": bad})
    assert response.status_code == 200
    assert "This is not a WordPress export" in response.content.decode()
    assert not ImportRun.objects.exists()
