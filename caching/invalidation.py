"""The one invalidation point: every write that changes what readers see
ends in `invalidate(*tags)`.

Tags: "site" (sections, tags, author profiles: shown on every page), "lists"
(every listing, feed and sitemap, and the neighbour and related links) and
"article:<pk>" (one article's page, its fragments and its comment thread).

`invalidate` only collects: the tags of a whole transaction are sent once,
when it commits (at once outside a transaction), so no reader can refill a
cache from data that is about to change or roll back, and one admin save of
a story with its tags, bylines and image costs one version bump and one
purge of the edges, however many signals it sent.

Saves and deletes through the ORM are caught by receivers in the apps
(articles/invalidation.py, comments/signals.py), so the admin, the shell and
every service are covered without remembering to call anything (Wagtail's
frontend_cache does the same). Bulk writes (`QuerySet.update()`,
`bulk_create`, raw SQL) send no signals: the services doing them call
`invalidate` themselves.
"""

import threading

from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from infra import replica

from .cache import cache_reconnected
from .edge import EVERYTHING, purge, purge_header
from .tagversions import EPOCH, bump
from .tasks import retry_later

# The tags collected in this thread since the last send.
_pending = threading.local()


def invalidate(*tags: str) -> None:
    """Drop every cached page and fragment depending on `tags` once the
    current transaction commits: the shared versions first, then the edges'
    copies (so an edge refill already meets the new versions).

    Every call asks for a send on commit; the first one to run sends every
    tag collected so far and the others find nothing left. (A savepoint that
    rolls back drops its own request, but its tags stay collected and go
    with the transaction's: one purge too many, never one too few.)"""
    if not tags:
        return
    collected = getattr(_pending, "tags", None)
    if collected is None:
        collected = _pending.tags = set()
    collected.update(tags)
    transaction.on_commit(send_pending)


def discard_pending() -> None:
    """Forget what this thread collected and never sent: it belonged to
    transactions that rolled back (a commit sends everything). Tests call it
    between tests, whose transactions always roll back."""
    _pending.tags = None


def send_pending() -> None:
    """Send every tag collected in this thread (the on-commit callback)."""
    tags = getattr(_pending, "tags", None)
    if not tags:
        return
    _pending.tags = None
    changed(*sorted(tags))


def changed(*tags: str) -> None:
    # The replica's fence first: whoever reads the new versions must not
    # fill a cache from a replica that has not replayed this change yet.
    replica.record_change()
    bump(*tags)
    _purge(tags)


def _purge(tags) -> None:
    """Purge the edges; one that missed it is asked again by a worker (an
    edge that hangs never holds the editor's request past PURGE_TIMEOUT)."""
    for url in purge(tags):
        retry_later(url, purge_header(tags))


def everything() -> None:
    """Every cached page, fragment and edge object is out of date: after a
    restore, or a change made outside the application (bulk SQL). Moves
    every version on (a new epoch) and empties the edges."""
    replica.record_change()
    bump(EPOCH)
    _purge([EVERYTHING])


@receiver(cache_reconnected)
def everything_changed(**kwargs):
    """The shared cache was unreachable: what changed meanwhile could not
    bump its tags, so every cached page and fragment is out of date."""
    replica.record_change()
    bump(EPOCH)


@receiver(post_migrate)
def _schema_changed(using="default", **kwargs):
    """A migration ran: readers must not meet a replica that has not replayed
    the new schema (infra/replica.py)."""
    if using == "default":
        replica.record_change()
