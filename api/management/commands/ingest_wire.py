"""Agency copy in as drafts, through the content API like any other tool:

    NEWSROOM_API_KEY=nr_… python manage.py ingest_wire feed.xml --agency AFP

The feed (a file, or an http(s) address) is RSS 2.0, Atom or NewsML-G2.
Each item becomes a draft through POST /api/v1/desk/stories with the key
(a journalist's key is enough: it never publishes), the agency as its
source and `<agency>:<item id>` as its external id, so running it again, or
every few minutes from cron, makes no second copy of an item. The key is
read from the environment, never from the command line (where `ps` and
the shell's history would show it)."""

import json
import os
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.wire import NotAFeed, parse, story_of

RETRIES = 3


class Command(BaseCommand):
    help = "Read an agency feed (RSS, Atom, NewsML-G2) and make drafts through the API."

    def add_arguments(self, parser):
        parser.add_argument("feed", help="A file, or an http(s) address.")
        parser.add_argument(
            "--agency", required=True, help="The source named under the stories."
        )
        parser.add_argument("--section", default="", help="A section's slug.")
        parser.add_argument(
            "--api",
            default="",
            help="The site's address (default: NEWSROOM_BASE_URL, else "
            "http://127.0.0.1:8000).",
        )

    def handle(self, *args, **options):
        token = os.environ.get("NEWSROOM_API_KEY", "").strip()
        if not token:
            raise CommandError(
                "Set NEWSROOM_API_KEY to a key issued in the admin (API keys)."
            )
        base = (
            options["api"] or settings.NEWSROOM_BASE_URL or "http://127.0.0.1:8000"
        ).rstrip("/")
        try:
            items = parse(self._read(options["feed"]))
        except NotAFeed as error:
            raise CommandError(f"{options['feed']}: {error}") from None
        counts = {"created": 0, "already there": 0, "refused": 0}
        for item in items:
            if item.problems:
                counts["refused"] += 1
                self.stderr.write(
                    f"Left out “{item.title}”: {'; '.join(item.problems)}"
                )
                continue
            body = story_of(item, agency=options["agency"], section=options["section"])
            status, answer = self._post(f"{base}/api/v1/desk/stories", token, body)
            if status == 201:
                counts["created"] += 1
                self.stdout.write(f"Draft {answer['id']}: {item.title}")
            elif status == 200:
                counts["already there"] += 1
            else:
                counts["refused"] += 1
                errors = "; ".join(
                    f"{'.'.join(e['loc'][1:])}: {e['msg']}"
                    for e in answer.get("errors") or []
                )
                self.stderr.write(
                    f"Refused “{item.title}” ({status}): "
                    f"{errors or answer.get('detail', '')}"
                )
        self.stdout.write(
            ", ".join(f"{count} {label}" for label, count in counts.items())
        )

    @staticmethod
    def _read(feed: str) -> bytes:
        if feed.startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(feed, timeout=30) as response:  # noqa: S310
                    return response.read(50 * 1024 * 1024)
            except (urllib.error.URLError, TimeoutError) as error:
                raise CommandError(f"Could not read {feed}: {error}") from None
        try:
            with open(feed, "rb") as handle:
                return handle.read()
        except OSError as error:
            raise CommandError(f"Could not read {feed}: {error.strerror}") from None

    def _post(self, url: str, token: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        for attempt in range(RETRIES + 1):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                answer = self._json(error)
                if error.code == 429 and attempt < RETRIES:
                    time.sleep(min(60, int(error.headers.get("Retry-After") or 5)))
                    continue
                if error.code in (401, 403):
                    raise CommandError(
                        f"The API refused the key ({error.code}): "
                        f"{answer.get('detail', '')}"
                    ) from None
                return error.code, answer
            except (urllib.error.URLError, TimeoutError) as error:
                raise CommandError(f"Could not reach {url}: {error}") from None
        return 429, {"detail": "still over the rate limit"}

    @staticmethod
    def _json(error) -> dict:
        try:
            return json.loads(error.read() or b"{}")
        except ValueError:
            return {}
