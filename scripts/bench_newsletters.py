#!/usr/bin/env python3
"""Newsletter figures on the production topology (scripts/cluster: the
edge, two app servers, two workers, Postfix relaying to the local sink):

1. 100,000 confirmed subscribers (BENCH_SUBSCRIBERS): the time to start a
   send (its delivery rows made and its batches queued);
2. how fast the workers hand the messages to the MTA (rows marked sent
   a second, from the start to the last);
3. the article page through the edge with wrk before and during the send
   (how much serving falls);
4. the same with DKIM signing (BENCH_DKIM_SUBSCRIBERS, 20,000).

    NEWSROOM_PGPORT=54340 .venv/bin/python scripts/bench_newsletters.py

The figures go to docs/benchmarks.md by hand."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (its settings, database and cluster environment)

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "100000"))
DKIM_SUBSCRIBERS = int(os.environ.get("BENCH_DKIM_SUBSCRIBERS", "20000"))

SEED = """
from django.db import connection
from newsletters.models import Newsletter
n, _ = Newsletter.objects.get_or_create(slug="bench-briefing",
    defaults={"name": "Bench briefing", "kind": "briefing"})
with connection.cursor() as c:
    c.execute("DELETE FROM newsletters_subscription WHERE subscriber_id IN "
              "(SELECT id FROM newsletters_subscriber WHERE email LIKE 'bench-%%')")
    c.execute("DELETE FROM newsletters_subscriber WHERE email LIKE 'bench-%%'")
    c.execute(
        "INSERT INTO newsletters_subscriber (email, created_at) "
        "SELECT 'bench-' || g || '@example.com', now() FROM generate_series(1, %%s) g",
        [%(count)s])
    c.execute(
        "INSERT INTO newsletters_subscription (subscriber_id, newsletter_id, asked_at, "
        "confirmed_at, consent) SELECT s.id, %%s, now(), now(), 'bench' "
        "FROM newsletters_subscriber s WHERE s.email LIKE 'bench-%%%%'", [n.pk])
print(n.pk)
"""

START = """
import time
from newsletters import sending
from newsletters.models import Send
s = Send.objects.create(newsletter_id=%(newsletter)s, subject="Bench %(label)s",
    text="The day's top stories.", html="<p>The day's top stories.</p>")
t = time.monotonic()
count = sending.send_start(send=s)
print(s.pk, count, time.monotonic() - t)
"""


def main():
    article = bench.prepare()["article"]
    key_dir = Path(tempfile.mkdtemp())
    subprocess.run(
        ["openssl", "genrsa", "-out", str(key_dir / "dkim.pem"), "2048"],
        check=True,
        capture_output=True,
    )
    cluster = [bench.ROOT / "scripts" / "cluster"]
    edge = f"http://127.0.0.1:{bench.EDGE_PORT}"
    for label, count, extra in (
        ("unsigned", SUBSCRIBERS, {}),
        (
            "DKIM",
            DKIM_SUBSCRIBERS,
            {
                "NEWSROOM_DKIM_SELECTOR": "bench",
                "NEWSROOM_DKIM_KEY_FILE": str(key_dir / "dkim.pem"),
                "DJANGO_DEFAULT_FROM_EMAIL": "news@bench.example.com",
            },
        ),
    ):
        env = bench.cluster_env(**extra)
        subprocess.run([*cluster, "start"], cwd=bench.ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

        def shell(code: str, env=env) -> str:
            return subprocess.check_output(
                [*cluster, "manage", "shell", "-v", "0", "-c", code],
                cwd=bench.ROOT, env=env, text=True,
            )  # fmt: skip

        try:
            newsletter = shell(SEED % {"count": count}).split()[-1]
            base = bench.wrk(edge + article) if label == "unsigned" else None
            out = shell(START % {"newsletter": newsletter, "label": label}).split()
            send, recipients, seconds = out[-3], int(out[-2]), float(out[-1])
            started = time.monotonic()
            during = {}
            if base is not None:
                loader = threading.Thread(
                    target=lambda during=during: during.update(
                        bench.wrk(edge + article)
                    )
                )
                loader.start()
            sent_sql = (
                "SELECT count(*) FROM newsletters_delivery "
                f"WHERE send_id = {send} AND status IN ('sent', 'failed', 'skipped')"
            )
            done = 0
            while done < recipients and time.monotonic() - started < 3600:
                time.sleep(1)
                done = int(shell(
                    "from django.db import connection\n"
                    "with connection.cursor() as c:\n"
                    f"    c.execute({sent_sql!r}); print(c.fetchone()[0])"
                ).split()[-1])  # fmt: skip
            elapsed = time.monotonic() - started
            if base is not None:
                loader.join()
            print(
                f"{label}: {recipients:,} recipients; send started (rows made, "
                f"batches queued) in {seconds:.2f} s; handed to the MTA at "
                f"{done / elapsed:,.0f} messages/s ({done:,} in {elapsed:.1f} s)"
            )
            if base is not None and during:
                drop = 1 - during["rps"] / base["rps"]
                print(
                    f"article page through the edge: {base['rps']:,.0f} requests/s "
                    f"before, {during['rps']:,.0f} during the send ({drop:.0%} less)"
                )
        finally:
            subprocess.run([*cluster, "stop"], cwd=bench.ROOT, env=env,
                           stdout=subprocess.DEVNULL)  # fmt: skip


if __name__ == "__main__":
    main()
