#!/usr/bin/env python3
"""A webhook receiver for trying the newsroom's hooks (docs/api.md): it
checks each delivery's signature and age as a partner's receiver should,
and prints the event. Standard library only.

    python3 scripts/webhook_receiver.py --secret whsec_… --port 9000

Answers 204 to a valid delivery, 400 to a bad signature or an old
timestamp (a replay); a repeated webhook-id is acknowledged and not
processed again."""

import argparse
import base64
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TOLERANCE = 300  # seconds


def valid(secret: str, headers, body: bytes) -> bool:
    try:
        stamp = int(headers["webhook-timestamp"])
    except (KeyError, TypeError, ValueError):
        return False
    if abs(time.time() - stamp) > TOLERANCE:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{stamp}.".encode() + body
    expected = (
        "v1,"
        + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    )
    return any(
        hmac.compare_digest(expected, given)
        for given in (headers["webhook-signature"] or "").split()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=9000)
    options = parser.parse_args()
    seen = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not valid(options.secret, self.headers, body):
                self.send_response(400)
                self.end_headers()
                print("refused: bad signature or old timestamp", flush=True)
                return
            event_id = self.headers["webhook-id"]
            if event_id not in seen:
                seen.add(event_id)
                event = json.loads(body)
                data = event["data"]
                print(event["type"], data.get("id"), data.get("title", ""), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    print(f"listening on http://127.0.0.1:{options.port}/", flush=True)
    HTTPServer(("127.0.0.1", options.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
