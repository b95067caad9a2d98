"""Newsletter sign-up (#32 part 1): double opt-in from the box on every
page and the newsletters page, limits per address and per client address,
bans and hostile input, the manage link, RFC 8058 one-click unsubscribe,
imports with consent, export and erase."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import BannedCommenter, MailAddress
from comments.services import mail_address_suppress
from newsletters import services, tokens
from newsletters.models import Subscriber, Subscription
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    def post(data, client=None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(
                "/newsletters/subscribe/", data, headers=headers
            )

    return post


def link_in(message, name: str) -> str:
    return re.search(rf"(?:https?://[^/\s]+)?/newsletters/{name}/\S+/", message.body)[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_box_signs_up_for_the_briefing_and_confirms_twice_opted_in(
    lists, sign_up, settings
):
    settings.NEWSROOM_BASE_URL = "https://news.example.com"
    response = sign_up({"box": "1", "email": "Reader@Example.com"})
    assert response.status_code == 200
    assert "reader@example.com" in response.content.decode()
    assert (
        "no-cache" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )
    subscription = Subscription.objects.get()
    assert subscription.newsletter.slug == "morning-briefing"
    assert subscription.confirmed_at is None  # nothing sent until confirmed
    (message,) = mail.outbox
    assert message.to == ["reader@example.com"]
    assert "Morning briefing" in message.body
    confirm = path_of(link_in(message, "confirm"))
    # A GET (a mail scanner following the link) changes nothing.
    page = Client().get(confirm)
    assert page.status_code == 200 and "Yes, subscribe me" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is None
    done = Client().post(confirm)
    assert "will receive" in done.content.decode()
    assert Subscription.objects.get().confirmed_at is not None
    assert MailAddress.objects.of("reader@example.com").confirmed().exists()


def test_the_newsletters_page_and_a_choice_of_several(lists, sign_up):
    page = Client().get("/newsletters/")
    html = page.content.decode()
    assert "Morning briefing" in html and "Breaking news" in html
    assert "csrfmiddlewaretoken" not in html  # the same page for everyone
    sign_up(
        {"email": "a@example.com", "newsletters": ["morning-briefing", "breaking-news"]}
    )
    assert Subscription.objects.filter(confirmed_at__isnull=True).count() == 2
    assert "Breaking news" in mail.outbox[0].body


def test_a_stranger_cannot_add_newsletters_to_a_confirmed_address(lists, sign_up):
    services.subscriptions_set(
        email="owner@example.com", newsletters=[lists["morning-briefing"]]
    )
    sign_up({"email": "owner@example.com", "newsletters": ["breaking-news"]})
    added = Subscription.objects.get(newsletter=lists["breaking-news"])
    assert added.confirmed_at is None and len(mail.outbox) == 1
    # Asking again for what is confirmed sends nothing.
    mail.outbox.clear()
    Subscriber.objects.update(confirm_sent_at=None)
    sign_up({"email": "owner@example.com", "newsletters": ["morning-briefing"]})
    assert mail.outbox == []


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Please enter your e-mail address."),
        ("not-an-address", "Please enter a valid e-mail address"),
        (
            "a@example.com\nBcc: victim@example.com",
            "Please enter a valid e-mail address",
        ),
        ("<script>alert(1)</script>@x.com", "Please enter a valid e-mail address"),
        ("x" * 250 + "@example.com", "at most 254"),
    ],
)
def test_bad_input_answers_a_clear_error_and_keeps_what_was_typed(
    lists, sign_up, email, message
):
    response = sign_up({"email": email, "newsletters": ["breaking-news"]})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.replace("&#x27;", "'")
    assert "<script>alert(1)" not in html
    assert 'value="breaking-news" id="nl-breaking-news" checked' in html
    if email and "\n" not in email and len(email) < 254:
        assert 'value="' in html and "alert(1)" not in html.split("<main")[0]
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_no_newsletter_chosen_on_the_page_is_an_error(lists, sign_up):
    response = sign_up({"email": "a@example.com"})
    assert response.status_code == 400
    assert "Please choose at least one newsletter." in response.content.decode()
    assert 'value="a@example.com"' in response.content.decode()


def test_one_confirmation_per_address_per_interval_and_a_limit_per_client(
    lists, sign_up, settings
):
    settings.NEWSROOM_SIGNUPS_PER_HOUR = 3
    for _ in range(3):
        assert sign_up({"box": "1", "email": "victim@example.com"}).status_code == 200
    assert len(mail.outbox) == 1  # the form cannot be used to flood an inbox
    refused = sign_up({"box": "1", "email": "other@example.com"})
    assert refused.status_code == 429
    assert "Too many sign-ups" in refused.content.decode()
    assert 'value="other@example.com"' in refused.content.decode()
    # Another reader (another address behind the trusted proxy) is not held.
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1/32"]
    other = sign_up(
        {"box": "1", "email": "b@example.com"}, X_FORWARDED_FOR="198.51.100.4"
    )
    assert other.status_code == 200


def test_bans_unsubscribed_addresses_bots_and_forged_posts_get_nothing(lists, sign_up):
    BannedCommenter.objects.create(email="Troll@Example.com")
    mail_address_suppress(email="gone@example.com")
    for data in (
        {"box": "1", "email": "troll@example.com"},
        {"box": "1", "email": "gone@example.com"},
        {"box": "1", "email": "bot@example.com", "website": "http://spam"},
    ):
        response = sign_up(data)
        assert response.status_code == 200  # told nothing either way
    forged = sign_up(
        {"box": "1", "email": "x@example.com"},
        Origin="https://evil.example",
        Sec_Fetch_Site="cross-site",
    )
    assert forged.status_code == 403
    assert mail.outbox == []


def test_the_box_answers_json_for_its_script(lists, sign_up):
    ok = sign_up({"box": "1", "email": "a@example.com"}, Accept="application/json")
    assert ok.json()["ok"] and "a@example.com" in ok.json()["message"]
    bad = sign_up({"box": "1", "email": "nope"}, Accept="application/json")
    assert bad.status_code == 400 and "valid e-mail" in bad.json()["errors"][0]


def test_pages_with_the_box_stay_cacheable(lists, settings):
    settings.NEWSROOM_PAGE_CACHE = True
    SectionFactory(slug="tech")
    article = ArticleFactory()
    for url in ("/", article.get_absolute_url(), "/newsletters/"):
        Client().get(url)
        again = Client().get(url)
        assert again["X-Page-Cache"] == "hit", url
        assert 'action="/newsletters/subscribe/"' in again.content.decode() or (
            url == "/newsletters/"
        )


# -- the links in the e-mails -----------------------------------------------


def test_the_manage_link_changes_only_its_address(
    lists, sign_up, django_capture_on_commit_callbacks
):
    services.subscriptions_set(
        email="me@example.com", newsletters=[lists["morning-briefing"]]
    )
    services.subscriptions_set(
        email="you@example.com", newsletters=[lists["morning-briefing"]]
    )
    url = f"/newsletters/manage/{tokens.manage_token('me@example.com')}/"
    page = Client().get(url).content.decode()
    assert "me@example.com" in page and "you@example.com" not in page
    client = Client()
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"newsletters": [lists["breaking-news"].pk]})
    mine = Subscription.objects.filter(subscriber__email="me@example.com")
    assert [s.newsletter.slug for s in mine] == ["breaking-news"]
    assert Subscription.objects.filter(subscriber__email="you@example.com").count() == 1
    assert Client().get("/newsletters/manage/forged/").status_code == 404

    # A new address: it must confirm; then the old one is forgotten.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "newsletters": [lists["breaking-news"].pk],
                "new_email": "New@Example.com",
            },
        )
    assert "new@example.com" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    assert not Subscription.objects.filter(
        subscriber__email="new@example.com", confirmed_at__isnull=False
    ).exists()
    Client().post(path_of(link_in(message, "confirm")))
    assert Subscription.objects.get(subscriber__email="new@example.com").confirmed_at
    assert not Subscriber.objects.filter(email="me@example.com").exists()


def test_one_click_unsubscribe(lists):
    services.subscriptions_set(
        email="me@example.com",
        newsletters=[lists["morning-briefing"], lists["breaking-news"]],
    )
    token = tokens.unsubscribe_token("me@example.com", lists["breaking-news"].pk)
    url = f"/newsletters/unsubscribe/{token}/"
    page = Client(enforce_csrf_checks=True).get(url)
    assert "Stop sending Breaking news" in page.content.decode()
    assert Subscription.objects.count() == 2  # a GET changes nothing
    # RFC 8058: the mail client's POST, no cookie, no token.
    done = Client(enforce_csrf_checks=True).post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200 and "will not receive" in done.content.decode()
    assert [s.newsletter.slug for s in Subscription.objects.all()] == [
        "morning-briefing"
    ]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().post(f"/newsletters/unsubscribe/{tampered}/").status_code == 404


# -- import, export, erase, tidy --------------------------------------------


def test_an_existing_list_is_imported_with_its_consent(lists, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    BannedCommenter.objects.create(email="banned@example.com")
    mail_address_suppress(email="left@example.com")
    csv = tmp_path / "list.csv"
    csv.write_text(
        "\ufeffEmail,Consent_Date,consent_source\n"
        "Ana@Example.com,2024-03-01,signup form 2024\n"
        "jose@exämple.com,2025-01-02T10:00:00+01:00,\n"
        "banned@example.com,2024-01-01,\n"
        "left@example.com,2024-01-01,\n"
        "not an address,2024-01-01,\n"
        "b@example.com,yesterday,\n"
        "ana@example.com,2024-03-01,duplicate\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    args = [
        str(csv),
        "--newsletter",
        "morning-briefing",
        "--source",
        "Mailchimp export",
    ]
    call_command("newsletter_import", *args, stdout=out, stderr=err)
    assert out.getvalue().strip() == (
        "2 added, 1 already subscribed, 2 banned or unsubscribed, 2 bad line(s)"
    )
    assert "Line 6" in err.getvalue() and "Line 7" in err.getvalue()
    ana = Subscription.objects.get(subscriber__email="ana@example.com")
    assert ana.consent == "import: signup form 2024 (2024-03-01)"
    assert ana.confirmed_at.date() == datetime.date(2024, 3, 1)
    jose = Subscription.objects.get(subscriber__email="jose@exämple.com")
    assert jose.consent.startswith("import: Mailchimp export (2025-01-02")
    call_command("newsletter_import", *args, stdout=out, stderr=StringIO())
    assert Subscription.objects.count() == 2


def test_export_and_erase(lists):
    services.subscriptions_set(
        email="me@example.com", newsletters=[lists["breaking-news"]]
    )
    data = services.subscriber_export(email="ME@example.com")
    assert data["email"] == "me@example.com"
    assert [s["newsletter"] for s in data["subscriptions"]] == ["Breaking news"]
    assert set(data["subscriptions"][0]) == {
        "newsletter",
        "asked_at",
        "confirmed_at",
        "consent",
    }
    assert services.subscriber_erase(email="me@example.com")
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()


def test_unconfirmed_sign_ups_are_forgotten_after_a_week(lists, sign_up):
    sign_up({"box": "1", "email": "late@example.com"})
    services.subscriptions_set(
        email="kept@example.com", newsletters=[lists["breaking-news"]]
    )
    week = timezone.now() - datetime.timedelta(days=8)
    Subscription.objects.update(asked_at=week)
    Subscriber.objects.update(created_at=week)
    assert services.unconfirmed_forget() == 1
    assert list(Subscriber.objects.values_list("email", flat=True)) == [
        "kept@example.com"
    ]
