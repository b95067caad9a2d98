"""Counting page views first-party, private by construction.

A view is counted from what one request carries (the page it showed, the
client's address, its User-Agent and Referer), held in memory only (in the
app's middleware, or at the edge, whose log carries only the page, the
source and the address: audience/edge.py):
- bots (by User-Agent, or none), staff (a session cookie) and previews
  (never marked as a page to count) are not counted;
- one client's repeats of one page within NEWSROOM_AUDIENCE_REPEAT_SECONDS
  count once: a keyed hash of (address, page) with a key made at start and
  never stored, forgotten after that window;
- the Referer is reduced to a source (search, social, direct, this site,
  other sites) at once; neither it nor the address is kept.
What is kept: views per page per minute per source (ViewCount), added to
the database by `Tally.flush` in one statement.
"""

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cachetools import TTLCache
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from articles.models import Article, Section
from articles.views import AUDIENCE_HEADER

from .models import Source

logger = logging.getLogger(__name__)
# The header a page to count carries, from the view to whoever counts (the
# app's middleware, or the edge's log): "article:<id>" or "section:<id>".
HEADER = AUDIENCE_HEADER
PAGE = re.compile(r"^(article|section):(\d{1,12})$")
BOTS = re.compile(
    r"bot|crawl|spider|slurp|fetch|preview|monitor|curl|wget|python|http-?client"
    r"|java/|go-http|okhttp|headless|lighthouse|facebookexternalhit|embedly"
    r"|whatsapp|telegram|scrapy|feed|rss|check|scan",
    re.I,
)
SEARCH = (
    "google.", "bing.com", "duckduckgo.com", "search.yahoo.", "yandex.",
    "baidu.com", "ecosia.org", "startpage.com", "qwant.com", "search.brave.com",
    "naver.com", "seznam.cz",
)  # fmt: skip
SOCIAL = (
    "facebook.com", "fb.com", "t.co", "twitter.com", "x.com", "linkedin.com",
    "lnkd.in", "reddit.com", "instagram.com", "threads.net", "bsky.app",
    "mastodon.", "whatsapp.com", "telegram.org", "t.me", "news.ycombinator.com",
    "youtube.com", "tiktok.com", "pinterest.",
)  # fmt: skip


def _matches(host: str, names) -> bool:
    """`host` is one of `names` or under it; a name ending in "." stands for
    any top-level domain ("google." is google.com, news.google.co.uk)."""
    dotted = f".{host}."
    return any(
        f".{name}" in dotted if name.endswith(".") else dotted.endswith(f".{name}.")
        for name in names
    )


def source_of(referer: str, own_hosts) -> str:
    """Where a reader came from, by the Referer's host alone."""
    if not referer:
        return Source.DIRECT
    host = (urlsplit(referer.strip()).hostname or "").lower().removeprefix("www.")
    if not host:
        return Source.DIRECT
    if host in own_hosts:
        return Source.INTERNAL
    if _matches(host, SEARCH):
        return Source.SEARCH
    if _matches(host, SOCIAL):
        return Source.SOCIAL
    return Source.OTHER


def own_hosts() -> set[str]:
    hosts = {h.lstrip(".").lower().removeprefix("www.") for h in settings.ALLOWED_HOSTS}
    site = urlsplit(getattr(settings, "NEWSROOM_SITE_URL", "") or "").hostname
    return hosts | ({site.removeprefix("www.")} if site else set())


@dataclass
class View:
    page: str  # "article:<id>" or "section:<id>"
    client: str  # the address, held in memory only
    source: str  # Source, from the Referer's host
    at: datetime | None = None


def countable(*, agent: str, staff: bool) -> bool:
    """Not a bot (by its User-Agent, or none), not staff (a session)."""
    return bool(agent) and not staff and not BOTS.search(agent)


class Tally:
    """Views counted in memory until `flush` adds them to the database."""

    def __init__(self):
        self._key = secrets.token_bytes(32)  # never stored: repeats unlinkable
        self._seen = TTLCache(
            maxsize=settings.NEWSROOM_AUDIENCE_REPEAT_MEMORY,
            ttl=settings.NEWSROOM_AUDIENCE_REPEAT_SECONDS,
        )
        self._counts: Counter = Counter()
        self._lock = threading.Lock()

    def add(self, view: View) -> bool:
        """Count `view` unless one client saw the page within the repeat
        window; whether it was counted."""
        page = PAGE.match(view.page or "")
        if page is None or view.source not in Source.values:
            return False
        digest = hashlib.blake2b(
            f"{view.client}\0{view.page}".encode(), key=self._key, digest_size=16
        ).digest()
        at = (view.at or timezone.now()).replace(second=0, microsecond=0)
        slot = (at, page[1], int(page[2]), view.source)
        with self._lock:
            if digest in self._seen:
                return False
            self._seen[digest] = True
            self._counts[slot] += 1
        return True

    def pending(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> int:
        """Add the counts so far to ViewCount (one statement); the number
        of rows written. Views of a page deleted meanwhile are dropped."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        for _ in range(2):
            rows = _existing(counts)
            try:
                with transaction.atomic():
                    _upsert(rows)
                return len(rows)
            except IntegrityError:  # a page deleted between the two: again
                continue
        return 0


def _existing(counts: Counter) -> list[tuple]:
    ids = {"article": set(), "section": set()}
    for _, kind, pk, _ in counts:
        ids[kind].add(pk)
    alive = {
        "article": set(
            Article.objects.filter(pk__in=ids["article"]).values_list("pk", flat=True)
        ),
        "section": set(
            Section.objects.filter(pk__in=ids["section"]).values_list("pk", flat=True)
        ),
    }
    return [
        (
            at,
            pk if kind == "article" else None,
            pk if kind == "section" else None,
            source,
            views,
        )
        for (at, kind, pk, source), views in counts.items()
        if pk in alive[kind]
    ]


UPSERT = """
INSERT INTO audience_viewcount (period, per_day, article_id, section_id, source, views)
VALUES (%s, false, %s, %s, %s, %s)
ON CONFLICT (period, per_day, article_id, section_id, source)
DO UPDATE SET views = audience_viewcount.views + EXCLUDED.views
"""


def _upsert(rows: list[tuple]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT, rows)


_tally = {"tally": None}
_tally_lock = threading.Lock()


def tally() -> Tally:
    """This process's tally."""
    with _tally_lock:
        if _tally["tally"] is None:
            _tally["tally"] = Tally()
        return _tally["tally"]


_flusher = {"thread": None}


def start_flusher() -> None:
    """One thread per process adds the counts to the database every
    NEWSROOM_AUDIENCE_FLUSH_SECONDS (the views of the last seconds are lost
    if the process dies; 0: no thread, `tally().flush()` is called by hand)."""
    if settings.NEWSROOM_AUDIENCE_FLUSH_SECONDS <= 0:
        return
    with _tally_lock:
        thread = _flusher["thread"]
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=_flush_forever, name="audience", daemon=True)
        _flusher["thread"] = thread
        thread.start()


def _flush_forever():
    while True:
        time.sleep(settings.NEWSROOM_AUDIENCE_FLUSH_SECONDS)
        try:
            tally().flush()
        except Exception:  # the database away a moment: the next round
            logger.exception("Counting views: adding them failed")
        finally:
            close_old_connections()
