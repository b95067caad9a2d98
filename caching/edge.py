"""The edge cache (Varnish with xkey) in front of the app servers.

Every cacheable page says which cache tags it shows in an `xkey` header
(the page cache's tags: "site", "lists", "article:<pk>"); `purge(tags)`,
called by the one invalidation point (caching.invalidation) after the
versions are bumped, asks every configured edge (NEWSROOM_EDGE_PURGE_URLS)
to drop the pages carrying any of them. The VCL is deploy/varnish/newsroom.vcl.

Changes driven by the clock reach the edge without a purge: a page's edge
lifetime (`edge_max_age`) never runs past the moment the next scheduled story
goes live, nor past the moment its own comment form closes.
"""

import http.client
import logging
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from .tagversions import next_due

logger = logging.getLogger(__name__)
PURGE_TIMEOUT = 2.0


def xkey(tags) -> str:
    return " ".join(sorted(tags))


# What `purge` sends for every object of the edge, tagged or not.
EVERYTHING = "*"


def purge(tags) -> None:
    """Drop every edge-cached page carrying one of `tags` (EVERYTHING: every
    object, media and cached errors included). An edge that does not answer
    is logged, never raised: the save that caused it stands, and the page's
    bounded lifetime ends its staleness."""
    urls = settings.NEWSROOM_EDGE_PURGE_URLS
    if not urls or not tags:
        return
    header = EVERYTHING if EVERYTHING in tags else xkey(tags)
    for url in urls:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=PURGE_TIMEOUT
        )
        try:
            connection.request(
                "PURGE", parts.path or "/", headers={"xkey-purge": header}
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                logger.error("Edge %s refused a purge: %s", url, response.status)
        except OSError as error:
            logger.error(
                "Edge %s unreachable for a purge of %s: %s", url, header, error
            )
        finally:
            connection.close()


def expire_by(request, moment: datetime) -> None:
    """This page must leave every shared cache by `moment` (the earliest of
    all such moments counts)."""
    current = getattr(request, "edge_deadline", None)
    if current is None or moment < current:
        request.edge_deadline = moment


def edge_max_age(request) -> int:
    """Seconds an edge may keep this page: NEWSROOM_CDN_MAX_AGE, cut short at
    the next scheduled story's time and at the page's own deadline
    (`request.edge_deadline`, e.g. when its comments close)."""
    seconds = settings.NEWSROOM_CDN_MAX_AGE
    now = timezone.now()
    for moment in (next_due(), getattr(request, "edge_deadline", None)):
        if isinstance(moment, datetime) and moment > now:
            seconds = min(seconds, int((moment - now).total_seconds()) + 1)
    return max(1, seconds)
