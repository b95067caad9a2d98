"""make backup / make restore round trip into a fresh database."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.factories import ArticleFactory, CommentFactory, image_file

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "articles_article",
    "articles_section",
    "articles_tag",
    "articles_authorprofile",
    "articles_articleauthor",
    "comments_comment",
    "comments_commentdecision",
    "auth_user",
    "auth_group_permissions",
]


def url_for(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{name}"


def fingerprint(url: str) -> dict:
    """Row count and a checksum of every row's content, per table."""
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        result = {}
        for table in TABLES:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY "
                f"t::text), '')) FROM {table} t"
            ).fetchone()
            result[table] = row
        return result


def test_backup_and_restore_round_trip(tmp_path, settings, roles):
    settings.MEDIA_ROOT = tmp_path / "media"
    article = ArticleFactory(featured_image=image_file(), featured_image_alt="x")
    CommentFactory.create_batch(5, article=article)
    CommentFactory(article=article, body="Ünïcödé ✓ <b>kept</b>")
    source_url = url_for(connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DATABASE_URL": source_url,
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    backup = subprocess.run(
        ["scripts/backup", str(tmp_path / "backups")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert backup.returncode == 0, backup.stderr
    prefix = backup.stdout.strip().splitlines()[-1]
    assert Path(prefix + ".dump").stat().st_size > 0

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restore_env = {
            **env,
            "DATABASE_URL": url_for(fresh),
            "DJANGO_MEDIA_ROOT": str(tmp_path / "restored-media"),
        }
        restore = subprocess.run(
            ["scripts/restore", prefix],
            cwd=ROOT,
            env=restore_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restore.returncode == 0, restore.stderr
        original = fingerprint(source_url)
        restored = fingerprint(url_for(fresh))
        assert restored == original
        assert original["comments_comment"][0] == 6
        image = Path(tmp_path / "restored-media" / article.featured_image.name)
        assert image.read_bytes() == Path(article.featured_image.path).read_bytes()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
