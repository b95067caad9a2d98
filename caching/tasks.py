"""Background work of the caching app: a purge an edge missed, again."""

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from .edge import RETRY_TIMEOUT, send

logger = logging.getLogger(__name__)

# An edge that missed a purge is asked again after 1, 2, 4… seconds, up to
# RETRIES times (about four minutes in all: longer than that, the pages'
# bounded edge lifetime has ended their staleness anyway).
RETRIES = 8


@task
def purge_edge(url: str, header: str, attempt: int = 1) -> None:
    """The purge `header` to the edge at `url`, which missed it."""
    if not send(url, header, RETRY_TIMEOUT):
        retry_later(url, header, attempt + 1)


def retry_later(url: str, header: str, attempt: int = 1) -> None:
    """Queue the purge again, unless the queue cannot wait (the immediate
    backend would run it now, inside the editor's request) or the retries
    are spent: then the edge keeps its copy until its lifetime ends."""
    if attempt > RETRIES or not purge_edge.get_backend().supports_defer:
        logger.error("Edge %s keeps the pages of %s until they expire", url, header)
        return
    later = timezone.now() + timedelta(seconds=2 ** (attempt - 1))
    purge_edge.using(run_after=later).enqueue(url, header, attempt)
