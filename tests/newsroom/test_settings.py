import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]


def load_settings(env: dict) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with only `env`."""
    base = child_env(DJANGO_SETTINGS_MODULE="newsroom.settings")
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print('DEBUG', settings.DEBUG)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_outside_debug_raises_naming_the_variable():
    result = load_settings({"DJANGO_ALLOWED_HOSTS": "example.com"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_missing_allowed_hosts_outside_debug_raises_naming_the_variable():
    result = load_settings({"DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_debug_is_off_by_default():
    result = load_settings(
        {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.com"}
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_debug_turns_on_only_when_asked_and_then_needs_no_secret():
    result = load_settings({"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


def test_malformed_boolean_is_a_clear_error():
    result = load_settings({"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_non_postgres_database_url_is_refused():
    result = load_settings({"DJANGO_DEBUG": "true", "DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_redis_cache_url_selects_redis_backend():
    from newsroom.settings import cache_from_url

    assert cache_from_url("redis://127.0.0.1:6379/1")["BACKEND"].endswith("RedisCache")
    assert cache_from_url("locmem://")["BACKEND"].endswith("LocMemCache")


def test_tests_run_with_debug_off():
    assert settings.DEBUG is False


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_development_settings_file_is_read_and_the_environment_wins(tmp_path):
    """`make run` writes var/dev.env; commands in the checkout read it."""
    env_file = tmp_path / "dev.env"
    env_file.write_text("# dev\n\nDJANGO_DEBUG=true\nNEWSROOM_SITE_NAME=From file\n")
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DEBUG, settings.NEWSROOM_SITE_NAME)"
    )
    run = lambda env: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="newsroom.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = run({"NEWSROOM_ENV_FILE": str(env_file)})
    assert result.stdout.split() == ["True", "From", "file"], result.stderr
    result = run({"NEWSROOM_ENV_FILE": str(env_file), "NEWSROOM_SITE_NAME": "Env"})
    assert result.stdout.split() == ["True", "Env"], result.stderr


def test_without_the_file_production_stays_strict(tmp_path):
    result = load_settings(
        {
            "NEWSROOM_ENV_FILE": str(tmp_path / "missing.env"),
            "DJANGO_ALLOWED_HOSTS": "x",
        }
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_connection_pool_setting():
    base = {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.com"}
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['OPTIONS']['pool']['min_size'], "
        "d['OPTIONS']['pool']['max_size'], d['OPTIONS']['pool']['check'] is not None)"
    )
    env = {**child_env(DJANGO_SETTINGS_MODULE="newsroom.settings"), **base}
    good = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "NEWSROOM_DB_POOL": "2,4"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.stdout.split() == ["0", "2", "4", "True"], good.stderr
    bad = load_settings({**base, "NEWSROOM_DB_POOL": "4"})
    assert bad.returncode != 0 and "NEWSROOM_DB_POOL must be MIN,MAX" in bad.stderr
