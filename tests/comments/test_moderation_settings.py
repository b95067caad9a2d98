"""The moderation policy is a page in the admin (Comments › Moderation
settings), not environment variables: moderators change it without a
deploy, it is validated, audited and followed at the next request, and an
upgrade carries a site's old COMMENTS_* values over."""

import pytest
from django.apps import apps
from django.test import Client

from articles.models import AuditEntry
from comments import checks, services
from comments.models import ModerationSettings, ModerationWord
from comments.preferences import current
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/comments/moderationsettings/"
PAGE = URL + "1/change/"


def form(**overrides):
    values = {
        "flood_seconds": "15",
        "rate_per_minute": "10",
        "hold_links": "2",
        "trust_approved_emails": "on",
        "surge_threshold": "60",
        "surge_window_seconds": "600",
        "surge_lift": "20",
        "quiet_hours": "",
        "quiet_mode": "hold",
        "quiet_time_zone": "UTC",
        "close_after_days": "30",
        "undo_seconds": "10",
        "report_threshold": "3",
        "reply_mails_per_day": "10",
        **overrides,
    }
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def moderator(roles):
    user = UserFactory(username="mod", groups="Moderator")
    client = Client()
    client.force_login(user)
    return user, client


def submit(article, **overrides):
    values = {
        "name": "Ana",
        "email": "ana@example.com",
        "body": "A fair point.",
        "ip": "198.51.100.9",
        "form_age": 10.0,
        **overrides,
    }
    return services.comment_submit(article=article, **values)


def test_the_page_is_one_row_a_moderator_changes_and_the_next_post_follows(
    moderator, django_capture_on_commit_callbacks
):
    user, client = moderator
    article = ArticleFactory()
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert "Flood window (seconds)" in page and "Quiet hours" in page
    assert "Reports that hold a comment" in page
    assert "Reply e-mails per address a day" in page
    assert "Add moderation settings" not in page and "Delete" not in page
    # The default 15-s window refuses a second comment at once.
    assert submit(article).comment is not None
    assert submit(article, body="Again").decision.rule == "flood"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, form(flood_seconds="0", hold_links="5"))
    assert response.status_code == 302
    assert current().flood_seconds == 0 and current().hold_links == 5
    assert submit(article, body="Once more, no redeploy").comment is not None
    entry = AuditEntry.objects.get(action="moderation settings")
    assert entry.actor == user
    assert entry.detail["changes"]["flood_seconds"] == [15, 0]
    assert ModerationSettings.objects.count() == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"quiet_hours": "mon-fri 25-07"}, "cannot read"),
        ({"quiet_time_zone": "Mars/Olympus"}, "is not a time zone"),
        ({"surge_threshold": "10", "surge_lift": "20"}, "must lift at or below"),
        ({"rate_per_minute": "0"}, "greater than or equal to 1"),
        ({"flood_seconds": "-5"}, "greater than or equal to 0"),
    ],
)
def test_a_bad_value_is_refused_with_what_was_typed_kept(moderator, bad, message):
    _, client = moderator
    client.get(URL)
    typed = form(close_after_days="7", **bad)
    response = client.post(PAGE, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="7"' in html  # the rest of what was typed stays
    assert current().close_after_days == 30  # nothing saved
    assert not AuditEntry.objects.filter(action="moderation settings").exists()


def test_only_moderators_see_the_page(roles):
    article_desk = Client()
    article_desk.force_login(UserFactory(username="jo", groups="Journalist"))
    assert article_desk.get(PAGE).status_code in (302, 403)
    assert article_desk.post(PAGE, form(flood_seconds="0")).status_code in (302, 403)
    assert current().flood_seconds == 15


def test_the_upgrade_copies_the_old_environment(monkeypatch):
    """The data migration fills the row from the COMMENTS_* variables the
    site ran with; unreadable values keep the default; words become rows."""
    from importlib import import_module

    migration = import_module("comments.migrations.0012_moderation_settings")
    ModerationSettings.objects.all().delete()
    monkeypatch.setenv("COMMENTS_FLOOD_SECONDS", "42")
    monkeypatch.setenv("COMMENTS_TRUST_APPROVED_EMAILS", "false")
    monkeypatch.setenv("COMMENTS_QUIET_HOURS", "mon-fri 00-07")
    monkeypatch.setenv("COMMENTS_QUIET_MODE", "sideways")  # unreadable
    monkeypatch.setenv("COMMENTS_SURGE_LIFT", "lots")  # unreadable
    monkeypatch.setenv("COMMENTS_HOLD_WORDS", "embargo, leak")
    migration.copy_environment(apps, None)
    row = ModerationSettings.objects.get(pk=1)
    assert (row.flood_seconds, row.trust_approved_emails) == (42, False)
    assert row.quiet_hours == "mon-fri 00-07"
    assert (row.quiet_mode, row.surge_lift) == ("hold", 20)
    assert set(ModerationWord.objects.values_list("word", "kind")) == {
        ("embargo", "hold"),
        ("leak", "hold"),
    }


def test_start_up_warns_while_a_moved_variable_is_still_set(monkeypatch, caplog):
    monkeypatch.delenv("COMMENTS_FLOOD_SECONDS", raising=False)
    assert checks.moderation_settings_moved() == []
    monkeypatch.setenv("COMMENTS_FLOOD_SECONDS", "0")
    warnings = checks.moderation_settings_moved()
    assert [w.id for w in warnings] == ["comments.W001"]
    assert "COMMENTS_FLOOD_SECONDS" in warnings[0].msg
    checks.warn_at_start()
    assert "COMMENTS_FLOOD_SECONDS is ignored" in caplog.text
