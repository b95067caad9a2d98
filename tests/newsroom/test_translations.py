"""The translated site: Brazilian Portuguese and Spanish catalogues that are
complete, the site's language setting, the reader's browser language (one
cached copy per language), and feeds that say each story's language."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from comments.forms import sign_timestamp
from tests.factories import ArticleFactory, AuthorProfileFactory
from tests.processes import child_env

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SEED_MESSAGES = ["Please enter your comment!", "Please enter your name here"]


@pytest.fixture
def neighbours():
    """Three stories in a row: the middle one has both neighbours."""
    author = AuthorProfileFactory(display_name="Ana Souza")
    first, middle, last = (ArticleFactory(authors=[author]) for _ in range(3))
    return middle


def post_empty(client, article):
    response = client.post(
        f"/comments/post/{article.pk}/",
        {"body": "", "name": "", "ts": sign_timestamp()},
    )
    assert response.status_code == 400
    return response.content.decode()


@override_settings(LANGUAGE_CODE="pt-br")
def test_the_portuguese_site_speaks_portuguese(client, neighbours):
    html = client.get(neighbours.get_absolute_url()).content.decode()
    assert '<html lang="pt-br" dir="ltr">' in html
    for words in [
        "DEIXE UMA RESPOSTA",
        "Artigo anterior",
        "Próximo artigo",
        "Publicar comentário",
        "Nenhum comentário ainda",
        " de 20",
    ]:
        assert words in html, words
    for english in ["LEAVE A REPLY", "Previous article", "Post Comment"]:
        assert english not in html
    errors = post_empty(client, neighbours)
    assert "Por favor, digite seu comentário!" in errors
    assert "Por favor, digite seu nome aqui" in errors
    assert not any(message in errors for message in SEED_MESSAGES)


def test_english_stays_the_default_with_the_seeds_messages(client, neighbours):
    assert settings.LANGUAGE_CODE == "en"
    html = client.get(neighbours.get_absolute_url()).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "LEAVE A REPLY" in html and "Previous article" in html
    errors = post_empty(client, neighbours)
    assert all(message in errors for message in SEED_MESSAGES)


@override_settings(NEWSROOM_LANGUAGE_FROM_BROWSER=True)
def test_the_browsers_language_gets_its_own_cached_copy(client, neighbours):
    url = neighbours.get_absolute_url()
    spanish = client.get(url, headers={"accept-language": "es-MX,es;q=0.9"})
    assert "DEJA UNA RESPUESTA" in spanish.content.decode()
    assert "Accept-Language" in spanish["Vary"]
    assert spanish["Content-Language"] == "es"
    english = client.get(url, headers={"accept-language": "en-GB,en;q=0.8"})
    assert "LEAVE A REPLY" in english.content.decode()
    assert english["X-Page-Cache"] == "miss"  # not the Spanish copy
    again = client.get(url, headers={"accept-language": "es"})
    assert again["X-Page-Cache"] == "hit"
    assert "DEJA UNA RESPUESTA" in again.content.decode()
    portuguese = client.get(url, headers={"accept-language": "pt-BR"})
    assert "DEIXE UMA RESPOSTA" in portuguese.content.decode()
    unknown = client.get(url, headers={"accept-language": "de-DE,de"})
    assert "LEAVE A REPLY" in unknown.content.decode()  # the site's language


def test_without_following_the_browser_one_copy_serves_everyone(client, neighbours):
    url = neighbours.get_absolute_url()
    first = client.get(url, headers={"accept-language": "es"})
    assert "LEAVE A REPLY" in first.content.decode()
    assert "Accept-Language" not in first.get("Vary", "")
    second = client.get(url, headers={"accept-language": "pt-BR"})
    assert second["X-Page-Cache"] == "hit"


def test_feeds_say_each_storys_language(client):
    ArticleFactory(title="Corrida espacial", language="pt-br")
    ArticleFactory(title="Space race", language="en")
    rss = client.get("/feed/").content.decode()
    assert 'xmlns:dc="http://purl.org/dc/elements/1.1/"' in rss
    assert "<language>en</language>" in rss
    assert "<dc:language>pt-br</dc:language>" in rss
    assert "<dc:language>en</dc:language>" in rss
    atom = client.get("/feed/atom/").content.decode()
    assert '<entry xml:lang="pt-br">' in atom
    assert '<entry xml:lang="en">' in atom


def test_the_catalogues_are_complete_and_current(tmp_path):
    """`scripts/messages update` on a copy of the checkout finds no word the
    committed catalogues lack, and every word is translated (no fuzzy)."""
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns(
        ".venv",
        ".pgdata",
        "var",
        "node_modules",
        "test-output",
        "__pycache__",
        "*.mo",
        ".git",
    )
    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    subprocess.run(
        [str(copy / "scripts" / "messages"), "update"],
        check=True,
        env={**child_env(), "PY": sys.executable},
        cwd=copy,
    )
    for po in sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po")):
        fresh = copy / po.relative_to(ROOT)
        assert msgids(fresh) == msgids(po), f"{po}: run `make messages`"
        stats = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        assert "fuzzy" not in stats and "untranslated" not in stats, stats
        assert po.with_suffix(".mo").exists(), "compiled by make (scripts/messages)"


def msgids(path: Path) -> set[str]:
    """The (context, id) pairs of a .po file."""
    found, context = set(), ""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("msgctxt "):
            context = line
        elif line.startswith("msgid "):
            parts = [line.removeprefix("msgid ")]
            for more in lines[i + 1 :]:
                if not more.startswith('"'):
                    break
                parts.append(more)
            # The same words, however the tool wrapped them.
            found.add((context, "".join(part[1:-1] for part in parts)))
            context = ""
    return found
