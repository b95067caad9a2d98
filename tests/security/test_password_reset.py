"""Staff password reset: Django's views and one-use tokens, mailed through
the site's mail at the site's own address, limited per e-mail address and
per client address; an editor sends a set-password link from the user's
admin page, also to an account without a usable password."""

import re

import pytest
from django.core import mail
from django.test import Client

from articles.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "https://news.example.com"
RESET = "/admin/password_reset/"


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_BASE_URL = BASE


def link_in(message) -> str:
    return re.search(r"https?://\S+/admin/reset/\S+/\S+/", message.body)[0]


def set_password(link: str, password: str) -> Client:
    client = Client()
    path = link.removeprefix(BASE)
    form = client.get(path, follow=True)  # Django moves the token to the session
    assert "New password" in form.content.decode(), "the link was refused"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
    )
    assert done.status_code == 302 and done["Location"] == "/admin/reset/done/"
    return client


def test_the_login_page_offers_a_reset(client):
    assert RESET in client.get("/admin/login/").content.decode()


def test_a_reset_link_is_mailed_at_the_sites_address_and_works_once(roles):
    UserFactory(username="jo", email="jo@newsroom.example", groups="Journalist")
    response = Client().post(
        RESET, {"email": "JO@newsroom.example"}, HTTP_HOST="localhost"
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["jo@newsroom.example"]
    link = link_in(message)
    assert link.startswith(f"{BASE}/admin/reset/")  # never the request's Host
    set_password(link, "a-brand-new-passphrase-42")
    login = Client().post(
        "/admin/login/",
        {"username": "jo", "password": "a-brand-new-passphrase-42"},
    )
    assert login.status_code == 302
    again = Client().get(link.removeprefix(BASE), follow=True).content.decode()
    assert "New password" not in again and "invalid" in again


@pytest.mark.parametrize(
    "account",
    [
        {"is_staff": False},  # a reader or an imported author without rights
        {"is_staff": True, "is_active": False},
        {"is_staff": True, "password": None},  # no usable password
    ],
)
def test_no_self_service_link_for_others(account):
    user = UserFactory(username="x", email="x@newsroom.example")
    for field, value in account.items():
        if field == "password":
            user.set_unusable_password()
        else:
            setattr(user, field, value)
    user.save()
    response = Client().post(RESET, {"email": "x@newsroom.example"})
    assert response.status_code == 302  # the same page: nothing revealed
    assert mail.outbox == []


def test_resets_are_limited_per_email_address_and_per_client_address(settings):
    UserFactory(username="ana", email="ana@newsroom.example", is_staff=True)
    for n in range(5):
        Client().post(
            RESET, {"email": "ana@newsroom.example"}, REMOTE_ADDR=f"198.51.100.{n}"
        )
    assert len(mail.outbox) == settings.NEWSROOM_PASSWORD_RESETS_PER_EMAIL
    client = Client()
    codes = [
        client.post(RESET, {"email": f"n{n}@example.com"}).status_code
        for n in range(settings.NEWSROOM_PASSWORD_RESETS_PER_IP + 1)
    ]
    assert codes[:-1] == [302] * settings.NEWSROOM_PASSWORD_RESETS_PER_IP
    assert codes[-1] == 429
    refused = client.post(RESET, {"email": "x@example.com"})
    assert "Too many password reset requests" in refused.content.decode()


@pytest.fixture
def imported_author():
    """An author account as an import makes it: no staff rights, no password."""
    user = UserFactory(username="joao", email="joao@newsroom.example")
    user.set_unusable_password()
    user.save()
    return user


def test_an_editor_sends_a_set_password_link_to_an_imported_author(
    roles, imported_author
):
    editor = UserFactory(username="ed", groups="Editor")
    client = Client()
    client.force_login(editor)
    page = client.get(f"/admin/auth/user/{imported_author.pk}/change/")
    assert "Send a link to set the password" in page.content.decode()
    sent = client.post(
        f"/admin/auth/user/{imported_author.pk}/password-link/", follow=True
    )
    assert "A link to set a password was sent to joao@newsroom.example" in (
        sent.content.decode()
    )
    (message,) = mail.outbox
    assert message.to == ["joao@newsroom.example"] and "ed" in message.body
    set_password(link_in(message), "joao-chooses-this-one-7")
    imported_author.refresh_from_db()
    assert imported_author.has_usable_password()
    assert AuditEntry.objects.filter(action="password link", actor=editor).exists()


@pytest.mark.parametrize(
    ("sender", "target"),
    [("Journalist", "Journalist"), ("Moderator", "Journalist"), ("Editor", "admin")],
)
def test_who_may_send_a_link(roles, sender, target):
    victim = UserFactory(username="victim", groups=target)
    client = Client()
    client.force_login(UserFactory(username="sender", groups=sender))
    page = client.get(f"/admin/auth/user/{victim.pk}/change/")
    assert "Send a link to set the password" not in page.content.decode()
    client.post(f"/admin/auth/user/{victim.pk}/password-link/")
    assert mail.outbox == []
