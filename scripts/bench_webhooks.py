#!/usr/bin/env python3
"""Webhook figures on the production topology (scripts/cluster: the edge,
two app servers, two workers, the scheduler), with a receiver in this
process on 127.0.0.1 (allowed by NEWSROOM_WEBHOOK_ALLOWED_HOSTS):

1. How soon a published story's hook fires: a draft made and published
   through the desk API at the edge, BENCH_WEBHOOK_STORIES times (20); the
   time from the publish request's answer to the delivery's arrival.
2. A receiver down for BENCH_WEBHOOK_DOWN_SECONDS (600): a story published
   every BENCH_WEBHOOK_EVERY seconds (60) meanwhile; once it is back, every
   event must arrive, each once (counted by webhook-id), each with a valid
   signature. Prints how long after its return the last one came.

    NEWSROOM_PGPORT=54340 .venv/bin/python scripts/bench_webhooks.py

The figures go to docs/benchmarks.md by hand."""

import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (its settings, database and cluster environment)

STORIES = int(os.environ.get("BENCH_WEBHOOK_STORIES", "20"))
DOWN = int(os.environ.get("BENCH_WEBHOOK_DOWN_SECONDS", "600"))
EVERY = int(os.environ.get("BENCH_WEBHOOK_EVERY", "60"))
RECEIVER_PORT = bench.PORT + 21

SETUP = """
from django.contrib.auth.models import User
from api import services
from articles.models import Section
admin = User.objects.filter(is_superuser=True).first()
Section.objects.get_or_create(slug="bench-hooks", defaults={"name": "Bench hooks"})
key, token = services.api_key_issue(name="bench-%(stamp)s", role="editor", by=admin)
hook, secret = services.webhook_register(
    name="bench-%(stamp)s", url="http://127.0.0.1:%(port)s/hook",
    events=["story.published"], by=admin)
print(token, secret)
"""

TEARDOWN = """
from api.models import ApiKey, Webhook
from api import services
Webhook.objects.filter(name="bench-%(stamp)s").update(active=False)
for key in ApiKey.objects.filter(name="bench-%(stamp)s"):
    services.api_key_revoke(key=key, by=None)
"""


class Receiver:
    def __init__(self, secret: str):
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.arrivals: dict[int, list] = {}  # story id -> [(time, event id)]
        self.bad = 0
        self.server = None

    def up(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                arrived = time.monotonic()
                signed = (
                    f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}."
                ).encode() + body
                mac = hmac.new(receiver.key, signed, hashlib.sha256).digest()
                expected = "v1," + base64.b64encode(mac).decode()
                if not hmac.compare_digest(expected, self.headers["webhook-signature"]):
                    receiver.bad += 1
                story = json.loads(body)["data"]["id"]
                receiver.arrivals.setdefault(story, []).append(
                    (arrived, self.headers["webhook-id"])
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", RECEIVER_PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        self.server.shutdown()
        self.server.server_close()


def desk(edge: str, token: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{edge}/api/v1/desk{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def publish(edge: str, token: str, title: str) -> tuple[int, float]:
    story = desk(edge, token, "/stories", {"title": title, "section": "bench-hooks"})
    desk(edge, token, f"/stories/{story['id']}/publish", {})
    return story["id"], time.monotonic()


def main():
    bench.prepare()
    env = bench.cluster_env(NEWSROOM_WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    edge = f"http://127.0.0.1:{bench.EDGE_PORT}"
    stamp = str(int(time.time()))
    cluster = [bench.ROOT / "scripts" / "cluster"]
    subprocess.run([*cluster, "start"], cwd=bench.ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip

    def shell(code: str) -> str:
        return subprocess.check_output(
            [*cluster, "manage", "shell", "-v", "0", "-c", code],
            cwd=bench.ROOT, env=env, text=True,
        )  # fmt: skip

    values = {"stamp": stamp, "port": RECEIVER_PORT}
    try:
        token, secret = shell(SETUP % values).split()[-2:]
        receiver = Receiver(secret)
        receiver.up()
        latencies = []
        for n in range(STORIES):
            pk, answered = publish(edge, token, f"Bench hook {stamp} {n}")
            deadline = time.monotonic() + 30
            while pk not in receiver.arrivals and time.monotonic() < deadline:
                time.sleep(0.005)
            if pk not in receiver.arrivals:
                sys.exit(f"story {pk}: no delivery within 30 s")
            latencies.append(receiver.arrivals[pk][0][0] - answered)
        latencies.sort()
        print(
            f"published → hook received, {STORIES} stories through the edge: "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms"
        )

        receiver.down()
        down_since = time.monotonic()
        sent = []
        while time.monotonic() - down_since < DOWN:
            sent.append(publish(edge, token, f"While down {stamp} {len(sent)}")[0])
            time.sleep(min(EVERY, max(0, DOWN - (time.monotonic() - down_since))))
        receiver.up()
        back = time.monotonic()
        deadline = back + 3600
        while time.monotonic() < deadline and not all(
            pk in receiver.arrivals for pk in sent
        ):
            time.sleep(0.5)
        got = [receiver.arrivals.get(pk, []) for pk in sent]
        missing = sum(1 for g in got if not g)
        repeated = sum(len(g) - 1 for g in got if g)
        last = max((g[0][0] for g in got if g), default=back) - back
        print(
            f"receiver down {DOWN} s, {len(sent)} stories published meanwhile: "
            f"{len(sent) - missing} received after its return, {missing} missing, "
            f"{repeated} received twice, {receiver.bad} bad signatures; the last "
            f"arrived {last:.1f} s after it was back"
        )
    finally:
        try:
            shell(TEARDOWN % values)
        finally:
            subprocess.run([*cluster, "stop"], cwd=bench.ROOT, env=env)


if __name__ == "__main__":
    main()
