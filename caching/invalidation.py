"""The one invalidation point: every write that changes what readers see
ends in `invalidate(*tags)`.

Tags: "site" (sections, tags, author profiles: shown on every page), "lists"
(every listing, feed and sitemap, and the neighbour and related links) and
"article:<pk>" (one article's page, its fragments and its comment thread).
`invalidate` bumps their versions once the transaction commits, so no reader
can refill a cache from data that is about to change or roll back.

Saves and deletes through the ORM are caught by receivers in the apps
(articles/invalidation.py, comments/signals.py), so the admin, the shell and
every service are covered without remembering to call anything (Wagtail's
frontend_cache does the same). Bulk writes (`QuerySet.update()`,
`bulk_create`, raw SQL) send no signals: the services doing them call
`invalidate` themselves.
"""

from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from infra import replica

from .cache import cache_reconnected
from .edge import EVERYTHING, purge
from .tagversions import EPOCH, bump


def invalidate(*tags: str) -> None:
    """Drop every cached page and fragment depending on `tags`, when the
    current transaction commits (at once outside a transaction): the shared
    versions first, then the edge's copies (so an edge refill already meets
    the new versions)."""
    transaction.on_commit(lambda: changed(*tags))


def changed(*tags: str) -> None:
    # The replica's fence first: whoever reads the new versions must not
    # fill a cache from a replica that has not replayed this change yet.
    replica.record_change()
    bump(*tags)
    purge(tags)


def everything() -> None:
    """Every cached page, fragment and edge object is out of date: after a
    restore, or a change made outside the application (bulk SQL). Moves
    every version on (a new epoch) and empties the edges."""
    replica.record_change()
    bump(EPOCH)
    purge([EVERYTHING])


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
