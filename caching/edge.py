"""The edge cache (Varnish with xkey) in front of the app servers.

Every cacheable page says which cache tags it shows in an `xkey` header
(the page cache's tags: "site", "lists", "article:<pk>"); `purge(tags)`,
called by the one invalidation point (caching.invalidation) after the
versions are bumped, asks every configured edge (NEWSROOM_EDGE_PURGE_URLS)
to drop the pages carrying any of them. The VCL is deploy/varnish/newsroom.vcl.

Changes driven by the clock reach the edge without a purge: a page's edge
lifetime (`edge_max_age`) never runs past the next moment the clock changes
what it shows (a scheduled story goes live, a front-page place starts or
ends), nor past the moment its own comment form closes.
"""

import http.client
import logging
import threading
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from .tagversions import next_due

logger = logging.getLogger(__name__)
# How long the editor's request waits for the edges, all asked at once. An
# edge that has not answered by then gets the purge again from a worker
# (caching.tasks.purge_edge), with a longer wait.
PURGE_TIMEOUT = 0.5
RETRY_TIMEOUT = 5.0


def xkey(tags) -> str:
    return " ".join(sorted(tags))


# What `purge` sends for every object of the edge, tagged or not.
EVERYTHING = "*"


def purge_header(tags) -> str:
    return EVERYTHING if EVERYTHING in tags else xkey(tags)


def purge(tags) -> list[str]:
    """Drop every edge-cached page carrying one of `tags` (EVERYTHING: every
    object, media and cached errors included): one PURGE to each configured
    edge (NEWSROOM_EDGE_PURGE_URLS), all at once, waiting PURGE_TIMEOUT at
    most. Returns the edges that did not confirm in time (the invalidation
    point has them asked again by a worker); never raises: the save that
    caused it stands."""
    urls = settings.NEWSROOM_EDGE_PURGE_URLS
    if not urls or not tags:
        return []
    header = purge_header(tags)
    done: dict[str, bool] = {}
    threads = [
        threading.Thread(
            target=lambda url=url: done.update({url: send(url, header, PURGE_TIMEOUT)}),
            name="edge-purge",
            daemon=True,
        )
        for url in urls
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PURGE_TIMEOUT)  # the sockets' own timeout ends them too
    return [url for url in urls if not done.get(url)]


def send(url: str, header: str, timeout: float) -> bool:
    """One PURGE of `header` to the edge at `url`: True when it confirmed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port or 80, timeout=timeout
    )
    try:
        connection.request("PURGE", parts.path or "/", headers={"xkey-purge": header})
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            return True
        logger.error("Edge %s refused a purge: %s", url, response.status)
    except OSError as error:
        logger.error("Edge %s unreachable for a purge of %s: %s", url, header, error)
    finally:
        connection.close()
    return False


def expire_by(request, moment: datetime) -> None:
    """This page must leave every shared cache by `moment` (the earliest of
    all such moments counts)."""
    current = getattr(request, "edge_deadline", None)
    if current is None or moment < current:
        request.edge_deadline = moment


def edge_max_age(request, tags=None) -> int:
    """Seconds an edge may keep this page (showing `tags`):
    NEWSROOM_CDN_MAX_AGE, cut short at the next moment the clock changes
    what the tags show (a scheduled story goes live, a front-page place
    starts or ends) and at the page's own deadline (`request.edge_deadline`,
    e.g. when its comments close)."""
    seconds = settings.NEWSROOM_CDN_MAX_AGE
    now = timezone.now()
    for moment in (next_due(tags), getattr(request, "edge_deadline", None)):
        if isinstance(moment, datetime) and moment > now:
            seconds = min(seconds, int((moment - now).total_seconds()) + 1)
    return max(1, seconds)
