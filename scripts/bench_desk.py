"""Benchmark the moderation desk (#16) on whatever DATABASE_URL holds (e.g.
`seed_bulk --articles 50000 --comments 1000000`): the dashboard and the
queue's server time with one client, and a keyboard decision in Chromium
(key press to the next row focused) against a real app server started here.

    DATABASE_URL=postgres://newsroom@127.0.0.1:54329/newsroom_1m \
        .venv/bin/python scripts/bench_desk.py

Prints figures; asserts nothing about time. Makes a user `bench-mo`
(Moderator) and decides 20 pending comments (approve / spam)."""

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402

from comments.models import Comment  # noqa: E402

PASSWORD = "bench-password-not-secret"
QUEUE = "/admin/comments/comment/?status__exact=pending"
DESK = "/admin/comments/comment/desk/"


def moderator():
    user, _ = get_user_model().objects.get_or_create(
        username="bench-mo", defaults={"is_staff": True, "first_name": "Bench"}
    )
    user.is_staff = True
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


def server_times(user):
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    for url in (DESK, QUEUE):
        times = []
        for _ in range(8):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{url}: first {times[0]:.0f} ms, "
            f"median of the next 7 {statistics.median(times[1:]):.0f} ms"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keyboard(base):
    from playwright.sync_api import sync_playwright

    listen = """() => {
      window.__t = [];
      const start = () => { window.__k = performance.now(); };
      document.addEventListener('keydown', start, true);
      document.addEventListener('focusin', (e) => {
        if (window.__k && e.target.matches('#result_list tr')) {
          window.__t.push(performance.now() - window.__k); window.__k = 0;
        }
      });
    }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "bench-mo")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(base + "/admin/")
        page.goto(base + QUEUE)
        page.evaluate(listen)
        for i in range(20):
            done = page.evaluate("window.__t.length")
            page.keyboard.press("a" if i % 2 == 0 else "s")
            for _ in range(1000):  # the CSP forbids wait_for_function's eval
                if page.evaluate("window.__t.length") > done:
                    break
                page.wait_for_timeout(5)
        times = sorted(page.evaluate("window.__t"))
        browser.close()
    print(
        "keyboard decision, key press to next row focused: "
        f"median {statistics.median(times):.0f} ms, "
        f"p90 {times[int(len(times) * 0.9) - 1]:.0f} ms, max {times[-1]:.0f} ms "
        f"(n={len(times)})"
    )


def main():
    print(
        f"comments: {Comment.objects.count()}, "
        f"pending: {Comment.objects.pending().count()}"
    )
    user = moderator()
    server_times(user)
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "serve"), "127.0.0.1", str(port)], cwd=ROOT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        keyboard(base)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
