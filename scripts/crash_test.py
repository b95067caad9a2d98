#!/usr/bin/env python3
"""Crash and restart drill (run with `make crash-test`, not part of `make test`).

While comment posts stream in from several clients, it
  1. kills the app server with SIGKILL and starts it again, then
  2. crashes PostgreSQL (immediate stop, fsync on) and starts it again,
and then checks that every post acknowledged with a redirect before, during
or after the crashes is in the database exactly once, that readers got 503
pages (not tracebacks) while the database was down, and that the app server
recovered from the database restart without being restarted itself.
Uses its own database, newsroom_crash, on this checkout's private cluster.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
PORT = int(os.environ.get("CRASH_PORT", "8765"))
PGPORT = os.environ.get("NEWSROOM_PGPORT", "54329")
DB_URL = f"postgres://newsroom@127.0.0.1:{PGPORT}/newsroom_crash"
BASE = f"http://127.0.0.1:{PORT}"
ENV = {
    **os.environ,
    "DATABASE_URL": DB_URL,
    "DJANGO_DEBUG": "false",
    "NEWSROOM_ENV_FILE": "",  # not the checkout's development settings
    "DJANGO_SECRET_KEY": "crash-drill-" + "s" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_STATIC_ROOT": str(ROOT / "var" / "crash-static"),
    "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",
    "COMMENTS_MIN_SUBMIT_SECONDS": "0",
    "DJANGO_LOG_LEVEL": "CRITICAL",
}


def psql(sql: str, db: str = "postgres") -> str:
    bindir = subprocess.check_output(
        [ROOT / "scripts" / "db", "bindir"], text=True
    ).strip()
    return subprocess.check_output(
        [
            f"{bindir}/psql",
            "-X",
            "-qtA",
            "-h",
            "127.0.0.1",
            "-p",
            PGPORT,
            "-U",
            "newsroom",
            "-d",
            db,
            "-c",
            sql,
        ],
        text=True,
    ).strip()


def manage(*args: str) -> str:
    return subprocess.check_output(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, text=True
    )


def start_server() -> subprocess.Popen:
    process = subprocess.Popen(
        [ROOT / "scripts" / "serve", "127.0.0.1", str(PORT)],
        cwd=ROOT,
        env={**ENV, "WEB_LOG_LEVEL": "critical"},
        start_new_session=True,
    )
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the app server did not start")


class Poster(threading.Thread):
    def __init__(
        self, number: int, article_url: str, post_url: str, stop: threading.Event
    ):
        super().__init__(daemon=True)
        self.number, self.article_url, self.post_url, self.stop = (
            number,
            article_url,
            post_url,
            stop,
        )
        self.acked: list[str] = []
        self.outcomes: Counter = Counter()

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            body = f"crash drill {self.number}-{seq}"
            ip = f"10.{self.number}.{seq // 250}.{seq % 250 + 1}"
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
            )
            try:
                page = (
                    opener.open(
                        urllib.request.Request(
                            BASE + self.article_url, headers={"X-Forwarded-For": ip}
                        ),
                        timeout=10,
                    )
                    .read()
                    .decode()
                )
                ts = re.search(r'name="ts" value="([^"]+)"', page)[1]
                data = urllib.parse.urlencode(
                    {
                        "ts": ts,
                        "name": f"Drill {self.number}",
                        "email": f"drill{self.number}-{seq}@example.com",
                        "body": body,
                    }
                ).encode()
                response = opener.open(
                    urllib.request.Request(
                        BASE + self.post_url,
                        data=data,
                        headers={
                            "X-Forwarded-For": ip,
                            "Referer": BASE + self.article_url,
                            "Origin": BASE,
                            "Sec-Fetch-Site": "same-origin",
                        },
                    ),
                    timeout=10,
                )
                self.outcomes[response.status] += 1
            except urllib.error.HTTPError as error:
                text = error.read().decode(errors="replace")
                if error.code == 303:
                    self.acked.append(body)
                    self.outcomes["303 acknowledged"] += 1
                elif error.code == 503:
                    self.outcomes[
                        "503 page" if "Temporarily unavailable" in text else "503 other"
                    ] += 1
                    if "Traceback" in text:
                        self.outcomes["traceback shown"] += 1
                else:
                    self.outcomes[f"{error.code}"] += 1
            except (OSError, TypeError):
                self.outcomes["connection error"] += 1
                time.sleep(0.05)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, msg, headers, fp)


def main():
    subprocess.run([ROOT / "scripts" / "db", "start"], check=True)
    print("fsync:", psql("SHOW fsync"))
    psql("DROP DATABASE IF EXISTS newsroom_crash WITH (FORCE)")
    psql("CREATE DATABASE newsroom_crash")
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    urls = manage(
        "shell",
        "-c",
        (
            "from articles.models import Article, Section;"
            "from django.utils import timezone;"
            "s=Section.objects.create(name='Drill', slug='drill');"
            "a=Article.objects.create(title='Crash drill', slug='crash-drill',"
            " section=s, status='published',"
            " published_at=timezone.now()-timezone.timedelta(hours=1));"
            "print(a.get_absolute_url()); print(f'/comments/post/{a.pk}/')"
        ),
    ).split()
    article_url, post_url = urls[-2], urls[-1]

    server = start_server()
    stop = threading.Event()
    posters = [Poster(n, article_url, post_url, stop) for n in range(4)]
    for poster in posters:
        poster.start()
    time.sleep(4)

    print("kill -9 the app server (pid", server.pid, "and its workers)")
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    time.sleep(1)
    server = start_server()
    app_pid = server.pid
    time.sleep(4)

    print("crash PostgreSQL (immediate stop) and restart it; the app keeps running")
    subprocess.run([ROOT / "scripts" / "db", "crash-restart"], check=True)
    before = sum(p.outcomes["303 acknowledged"] for p in posters)
    time.sleep(5)
    after = sum(p.outcomes["303 acknowledged"] for p in posters)
    stop.set()
    for poster in posters:
        poster.join(timeout=15)
    recovered = after > before and server.poll() is None and server.pid == app_pid
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)

    acked = [body for p in posters for body in p.acked]
    outcomes = sum((p.outcomes for p in posters), Counter())
    rows = psql(
        "SELECT body, count(*) FROM comments_comment GROUP BY body", db="newsroom_crash"
    ).splitlines()
    stored = dict(line.rsplit("|", 1) for line in rows if line)
    missing = [b for b in acked if b not in stored]
    duplicated = [b for b, n in stored.items() if int(n) > 1]
    print("outcomes:", dict(outcomes))
    print(f"acknowledged posts: {len(acked)}")
    print(f"rows stored:        {len(stored)}")
    print(f"acknowledged but missing: {len(missing)}")
    print(f"stored twice:             {len(duplicated)}")
    print(
        f"recovered after the database restart without restarting the app: {recovered}"
    )
    psql("DROP DATABASE IF EXISTS newsroom_crash WITH (FORCE)")
    ok = (
        not missing and not duplicated and recovered and not outcomes["traceback shown"]
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
