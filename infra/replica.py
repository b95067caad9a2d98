"""Reader pages from a streaming replica, never older than what they promise.

With NEWSROOM_REPLICA_URL set, the database alias "replica" is a hot standby
of "default" (PostgreSQL streaming replication: `scripts/db replica-start`).
The rule, in full:

- Only an *anonymous read* may use it: a GET or HEAD of a reader page by a
  visitor with no session, no pending comment and no remembered name
  (infra.middleware.anonymous_read, the same test the page cache uses).
  Staff (a session), a commenter whose comment waits for review (its cookie),
  every POST (so the flood, rate and duplicate checks of a comment), the
  admin, previews and the workers read and write the primary. That is
  read-your-writes for everyone who wrote: while they carry the cookie that
  says so, they read where they wrote.
- Every change readers can see ends in caching.invalidation (the one
  invalidation point). After it commits, and before it bumps the cache
  versions, it raises the *fence*: the primary's WAL position, kept in the
  shared cache (`record_change`). A request that reads a tag's version also
  reads the fence with it (caching.tagversions), and uses the replica only
  while the replica has replayed past the highest fence the request has
  seen. So a page, a fragment or an edge copy stored under a version is never
  filled from replica data older than the change that made that version.
- The replica's replay position is read once per request that wants it
  (one round trip on the connection the request then uses). A replica that
  cannot be reached, that is paused or lags behind the fence, or an unknown
  fence (shared cache unreachable) sends the request to the primary. A
  replica that failed is left alone for NEWSROOM_REPLICA_RETRY_SECONDS.
"""

import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connections,
    transaction,
)
from psycopg.errors import QueryCanceled

from .middleware import anonymous_read

logger = logging.getLogger(__name__)

ALIAS = "replica"
FENCE_KEY = "pagecache:fence"
# A fence no replica can pass: what to assume when it cannot be read.
UNKNOWN = float("inf")
_LSN = "SELECT {}() - '0/0'"


def enabled() -> bool:
    return ALIAS in settings.DATABASES


class _Reads:
    """What one anonymous request knows: the highest fence it has seen and
    the replica's replay position it last read."""

    __slots__ = ("fence", "replayed", "probed_for", "failed")

    def __init__(self):
        self.fence = None  # not read yet
        self.replayed = -1
        self.probed_for = -1
        self.failed = False

    def watch(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError, ProgrammingError) as error:
            self.saw(error)
            raise

    def saw(self, error) -> None:
        """The replica failed under this request: unreachable, or behind a
        schema change (a migration it has not replayed). The primary answers
        instead."""
        if isinstance(error.__cause__, QueryCanceled):
            return  # a statement's own time limit (a search), not the replica
        self.failed = True
        _unreachable(error)


_request: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)
_health = {"down_until": 0.0, "reported": False}
_lock = threading.Lock()


class ReplicaMiddleware:
    """Marks an anonymous read for the router (first in the stack, so page
    cache lookups are covered too). A GET is safe to answer twice: when the
    replica fails under it (stopped, restarted, cut off), the request runs
    again on the primary, so the reader sees no error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled() or not anonymous_read(request):
            return self.get_response(request)
        reads = _Reads()
        token = _request.set(reads)
        try:
            with connections[ALIAS].execute_wrapper(reads.watch):
                response = self.get_response(request)
            if reads.failed:
                connections[ALIAS].close()
                reads.fence = UNKNOWN  # the primary only, this time
                response = self.get_response(request)
            return response
        finally:
            _request.reset(token)


@contextmanager
def atomic(using: str):
    """transaction.atomic for reads that may run on the replica. Its COMMIT
    (or ROLLBACK) runs no statement, so `watch` cannot see the replica fail
    there: this does, and the request runs again on the primary."""
    try:
        with transaction.atomic(using=using):
            yield
    except (OperationalError, InterfaceError) as error:
        reads = _request.get()
        if using == ALIAS and reads is not None:
            reads.saw(error)
        raise


class ReplicaRouter:
    """Reads of an anonymous request go to the replica when it is current
    enough (see the module's rule); everything else to the primary."""

    def db_for_read(self, model, **hints):
        reads = _request.get()
        if reads is None:
            return None
        return ALIAS if _current_enough(reads) else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two servers

    def allow_migrate(self, db, app_label, **hints):
        return db != ALIAS


def saw_fence(value) -> None:
    """A fence read along with tag versions. None: not in the shared cache,
    which has lost it (set again from the primary) or cannot be reached;
    unknown for this request either way."""
    reads = _request.get()
    if reads is None:
        return
    if value is None:
        if getattr(cache, "available", True):
            record_change()
        value = UNKNOWN
    reads.fence = value if reads.fence is None else max(reads.fence, value)


def record_change() -> None:
    """Raise the fence to the primary's WAL position now (after a commit)."""
    if not enabled():
        return
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(_LSN.format("pg_current_wal_lsn"))
            position = int(cursor.fetchone()[0])
    except Exception:
        logger.exception("Could not read the primary's WAL position")
        return
    raise_to = getattr(cache, "raise_to", None)
    if raise_to is not None:
        raise_to(FENCE_KEY, position)
    elif (cache.get(FENCE_KEY) or -1) < position:  # a one-process cache
        cache.set(FENCE_KEY, position, None)


def _current_enough(reads: _Reads) -> bool:
    if reads.fence is None:
        saw_fence(cache.get(FENCE_KEY))
    if reads.replayed >= reads.fence:
        return True
    # Asked once per request, and again only for a newer fence.
    if reads.fence == UNKNOWN or reads.probed_for >= reads.fence:
        return False
    if time.monotonic() < _health["down_until"]:
        return False
    reads.probed_for = reads.fence
    reads.replayed = _replayed()
    return reads.replayed >= reads.fence


def _replayed() -> int:
    """The replica's replay position (-1: unusable)."""
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute(_LSN.format("pg_last_wal_replay_lsn"))
            position = cursor.fetchone()[0]
    except Exception as error:
        _unreachable(error)  # closes the connection
        return -1
    if _health["reported"]:
        with _lock:
            _health["reported"] = False
        logger.warning("Replica reachable again")
    if position is None:  # not a standby (promoted, or misconfigured)
        return -1
    return int(position)


def _unreachable(error) -> None:
    """The replica failed: leave it alone for a while."""
    connections[ALIAS].close()
    with _lock:
        _health["down_until"] = (
            time.monotonic() + settings.NEWSROOM_REPLICA_RETRY_SECONDS
        )
        first = not _health["reported"]
        _health["reported"] = True
    if first:
        logger.warning("Replica unreachable, reading the primary: %s", error)
