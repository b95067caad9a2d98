"""Every command the README and docs/ (but the benchmark diary) show runs
as written in a checkout after `make run`: with the settings file `make run`
writes (var/dev.env, made by scripts/dev-env) and nothing exported.
Placeholders (file names, a user name) are filled in; bulk sizes are made
small."""

import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "wordpress"
pytestmark = pytest.mark.django_db(transaction=True)

COMMAND = re.compile(
    r"^(?:[A-Z_]+=\S+ )*\.venv/bin/python (?:manage\.py|scripts/\S+\.py)\b.*"
)
# Long-running services: started, checked alive after a few seconds, stopped.
SERVICES = ("run_worker", "run_schedule")


def readme_commands() -> list[str]:
    """Commands from code blocks (continuation lines joined) and inline code."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    text = "\n".join(p.read_text() for p in pages if p.name != "benchmarks.md")
    found = []
    in_block = False
    for line in text.replace("\\\n", " ").splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        line = re.sub(r"\s+#.*$", "", line).strip()
        if in_block and COMMAND.match(line):
            found.append(line)
    for span in re.findall(r"`([^`\n]+)`", text):
        if COMMAND.match(span.strip()):
            found.append(span.strip())
    return list(dict.fromkeys(found))


def production_env_file(tmp_path: Path, database_url: str, redis_url: str) -> Path:
    """The deployment guide's example /etc/newsroom/env, its placeholders
    filled."""
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = re.search(r"```ini\n(\s*# /etc/newsroom/env\n.*?)```", text, re.S)
    lines = [line.strip() for line in block.group(1).splitlines()]
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "NEWSROOM_CACHE_URL": redis_url,
    }
    out = []
    for line in lines:
        name, _, value = line.partition("=")
        value = values.get(name, value).replace("/srv/newsroom", str(tmp_path / "srv"))
        out.append(f"{name}={value}" if _ else line)
    path = tmp_path / "production.env"
    path.write_text("\n".join(out) + "\n")
    return path


def filled(command: str, tmp_path: Path, **more: str) -> str:
    command = re.sub(r"\s*\[[^\]]*\]", "", command)  # optional parts left out
    placeholders = {
        **more,
        "/etc/newsroom/env": str(tmp_path / "production.env"),
        "export.xml": str(FIXTURES / "export-small.xml"),
        "/path/to/wp-content/uploads": str(FIXTURES / "uploads"),
        "USERNAME": "admin",
        "axes_reset_ip IP": "axes_reset_ip 203.0.113.9",
        "data.json": str(tmp_path / "data.json"),
        "big.xml": str(tmp_path / "big.xml"),
        "--articles 100000": "--articles 30",
        "--comments 1000000": "--comments 60",
        "--posts 5000": "--posts 5",
        "--comments 50000": "--comments 10",
    }
    for placeholder, value in placeholders.items():
        command = command.replace(placeholder, value)
    return command


@pytest.fixture
def dev_env(tmp_path, redis_url):
    """The environment of a shell in the checkout after `make run`: only the
    settings file scripts/dev-env writes, pointed at the test database and a
    real Redis (as make run uses its Redis). The file is read from a test
    path; media and static files go to a temporary folder, not the checkout."""
    s = connection.settings_dict
    database_url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env_file = tmp_path / "dev.env"
    subprocess.run(
        [ROOT / "scripts" / "dev-env", env_file],
        env=child_env(DATABASE_URL=database_url, NEWSROOM_CACHE_URL=redis_url),
        check=True,
        timeout=30,
    )
    with env_file.open("a") as f:
        f.write(f"DJANGO_MEDIA_ROOT={tmp_path / 'media'}\n")
        f.write(f"DJANGO_STATIC_ROOT={tmp_path / 'static'}\n")
    env = child_env(NEWSROOM_ENV_FILE=str(env_file))
    for name in ("DATABASE_URL", "NEWSROOM_PGPORT", "NEWSROOM_PGDATA"):
        env.pop(name, None)  # the file alone says where the database is
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    return env


def test_readme_lists_the_commands_this_test_runs():
    commands = " ".join(readme_commands())
    for name in ["import_wordpress", "comments_export", "comments_erase",
                 "comments_purge_ips", "seed_bulk", "migrate", "collectstatic",
                 "run_worker", "comments_desk_tick", "axes_reset_username",
                 "make_wxr.py", "ingest_wire", "issue_api_key",
                 "newsletter_import", "newsletter_export"]:  # fmt: skip
        assert name in commands, name


def test_make_run_writes_the_settings_file_that_settings_read():
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    assert "scripts/dev-env" in plan and "runserver" in plan
    settings_py = (ROOT / "newsroom" / "settings.py").read_text()
    assert 'BASE_DIR / "var" / "dev.env"' in settings_py


def test_every_readme_command_runs_as_written(
    dev_env, tmp_path, roles, redis_url, live_server
):
    UserFactory(username="admin")
    s = connection.settings_dict
    database_url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    production_env_file(tmp_path, database_url, redis_url)
    # The API's commands: the site they talk to is this test's live server,
    # with a key issued as the README's previous line does.
    from api.services import api_key_issue

    _, token = api_key_issue(name="README", role="journalist", by=None)
    from tests.newsletters.conftest import ensure_newsletters

    ensure_newsletters()  # made by a migration; a flush may have removed them
    dev_env = {**dev_env, "NEWSROOM_API_KEY": token}
    failures = []
    for command in readme_commands():
        command = filled(
            command,
            tmp_path,
            **{"nr_…": token, "http://127.0.0.1:8000": live_server.url},
        )
        if any(f"manage.py {name}" in command for name in SERVICES):
            process = subprocess.Popen(
                ["bash", "-c", command], cwd=ROOT, env=dev_env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                start_new_session=True,  # stopped below with its children
            )  # fmt: skip
            try:
                process.wait(timeout=8)
                failures.append((command, process.stdout.read()[-2000:]))
            except subprocess.TimeoutExpired:
                pass  # still serving: as it should
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            continue
        result = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, env=dev_env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        output = result.stdout + result.stderr
        if result.returncode != 0 or (
            "check --deploy" in command and "no issues" not in output
        ):
            failures.append((command, output[-2000:]))
    assert not failures, "\n\n".join(f"$ {c}\n{out}" for c, out in failures)


def test_an_import_from_the_command_line_reaches_a_running_site(
    client, dev_env, redis_cache, roles
):
    """This process plays the running site, on the same Redis: the pages it
    cached before the import are replaced, menu included."""
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    command = (
        ".venv/bin/python manage.py import_wordpress "
        f"{shlex.quote(str(FIXTURES / 'export-small.xml'))}"
    )
    result = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=dev_env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "Science &amp; Space" in response.content.decode()
