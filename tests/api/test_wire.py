"""Wire ingest: agency feeds (NewsML-G2, RSS, Atom) become drafts through
the desk API over HTTP, with a journalist's key, idempotent by the agency's
item id; hostile markup is sanitized and hostile XML refused."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from api import services as api_services
from api.models import ApiKey
from api.wire import NotAFeed, parse
from articles.models import Article, AuditEntry
from tests.factories import SectionFactory, UserFactory

FEEDS = Path(__file__).parent.parent / "fixtures" / "wire"


@pytest.fixture
def wire_key(transactional_db, roles, monkeypatch):
    admin = UserFactory(is_staff=True, is_superuser=True)
    key, token = api_services.api_key_issue(
        name="Wire ingest", role=ApiKey.Role.JOURNALIST, by=admin
    )
    monkeypatch.setenv("NEWSROOM_API_KEY", token)
    return key


def ingest(live_server, feed, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "ingest_wire",
        str(FEEDS / feed),
        *args,
        "--api",
        live_server.url,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_newsml_items_become_drafts_once(live_server, wire_key):
    SectionFactory(slug="business")
    out, err = ingest(
        live_server, "afp-newsml.xml", "--agency", "AFP", "--section", "business"
    )
    assert out.strip().endswith("2 created, 0 already there, 0 refused"), out + err
    stories = {a.external_id: a for a in Article.objects.all()}
    french = stories["afp:urn:newsml:afp.com:20261206:CNG.a1b2c3.21"]
    assert french.title.startswith("Semi-conducteurs : l’usine de Crolles")
    assert french.status == Article.Status.DRAFT and not french.is_published
    assert french.language == "fr" and french.section.slug == "business"
    assert french.source_name == "AFP"
    assert french.source_url == "https://www.afp.com/fr/actus/puces-usine"
    assert french.standfirst.startswith("Le fabricant annonce 2 000 emplois &")
    # The sanitizer ran on the agency's markup.
    for hostile in ("<script", "onclick", "javascript:"):
        assert hostile not in french.body
    assert "https://example.org/rapport" in french.body
    arabic = stories["afp:urn:newsml:afp.com:20261206:CNG.d4e5f6.9"]
    assert arabic.language == "ar" and arabic.body.count("<p>") == 2
    assert {a.created_by for a in stories.values()} == {wire_key.user}
    assert AuditEntry.objects.filter(action="create", actor=wire_key.user).count() == 2

    # Read again (cron every few minutes): nothing new, nothing changed.
    out, _ = ingest(live_server, "afp-newsml.xml", "--agency", "AFP")
    assert out.strip().endswith("0 created, 2 already there, 0 refused")
    assert Article.objects.count() == 2


def test_rss_and_atom_feeds(live_server, wire_key):
    out, err = ingest(live_server, "wire-rss.xml", "--agency", "Wire & Co")
    assert out.strip().endswith("2 created, 0 already there, 1 refused"), out + err
    assert "no headline" in err
    chip = Article.objects.get(external_id="wire & co:wire-2026-12-06-0001")
    assert chip.title == "Chipmaker’s profit beats forecasts again"
    assert "<iframe" not in chip.body and "😀" in chip.body
    assert chip.language == "en"
    # No guid: the link is the item's id.
    assert Article.objects.filter(
        external_id="wire & co:https://wire.example.com/tech/app-store-inquiry"
    ).exists()

    out, err = ingest(live_server, "wire-atom.xml", "--agency", "JWire")
    assert out.strip().endswith("2 created, 0 already there, 0 refused"), out + err
    japanese = Article.objects.get(external_id="jwire:tag:wire.example.jp,2026:item-77")
    assert japanese.language == "ja" and "1000量子ビット" in japanese.body
    assert "onerror" not in japanese.body
    robots = Article.objects.get(external_id="jwire:tag:wire.example.jp,2026:item-78")
    assert robots.title == "Robots & rice" and robots.source_url == ""


def test_hostile_or_unknown_input_is_refused_with_a_clear_error(
    live_server, wire_key, tmp_path, monkeypatch
):
    with pytest.raises(CommandError, match="DTD or entities"):
        ingest(live_server, "hostile.xml", "--agency", "X")
    with pytest.raises(NotAFeed):
        parse(b"<html><body>not a feed</body></html>")
    with pytest.raises(NotAFeed):
        parse(b"\x00\x01 binary")
    monkeypatch.setenv("NEWSROOM_API_KEY", "nr_0123456789_revoked-or-wrong")
    with pytest.raises(CommandError, match="refused the key"):
        ingest(live_server, "wire-rss.xml", "--agency", "X")
    monkeypatch.delenv("NEWSROOM_API_KEY")
    with pytest.raises(CommandError, match="NEWSROOM_API_KEY"):
        ingest(live_server, "wire-rss.xml", "--agency", "X")
    assert not Article.objects.exists()
