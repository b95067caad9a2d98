"""Background workers that survive a crash (django-tasks-db underneath).

django-tasks-db marks a job RUNNING when a worker takes it and never looks
at it again: a worker killed mid-job (kill -9, a lost machine) leaves it
RUNNING forever. Each of our workers (`manage.py run_worker`) therefore holds
a *liveness lock* for as long as it lives: a PostgreSQL session advisory
lock named after its worker id, on a connection of its own. PostgreSQL
releases it the moment that connection drops, whatever killed the process.
Every worker regularly re-queues the RUNNING jobs whose worker's lock is
free (`reap_orphans`). No heartbeat, no timeout to tune, and it holds for
workers on several machines, since the lock lives in the shared database.

A database restart drops every liveness lock at once. A worker then waits
for the database and takes its lock again before anything else (Liveness);
a job is re-queued only when its worker's lock was free at two looks a
reaping interval apart, longer than a reconnecting worker needs, so a job
still running in a worker that lost its connection for a moment is never
run twice at once. A job the worker itself was running when its own work
failed on the lost connection is put back by that worker (requeue_own).

Every job must therefore be safe to run twice: each records what it did
before doing it (an e-mail is marked sent before it goes; see the tasks).
"""

import logging
import threading

import psycopg
from django.db import connection, transaction
from django.tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

LIVENESS_LOCKS = 72_001  # the advisory-lock namespace of worker liveness


def _conninfo() -> dict:
    """Django's connection settings, as plain libpq keywords."""
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if isinstance(v, str | int)}


def hold_liveness(worker_id: str) -> psycopg.Connection:
    """Take this worker's liveness lock on a connection kept open for the
    worker's life (close it, or die, and the lock is gone)."""
    conn = psycopg.connect(**_conninfo(), autocommit=True, connect_timeout=5)
    conn.execute(
        "SELECT pg_advisory_lock(%s, hashtext(%s))", [LIVENESS_LOCKS, worker_id]
    )
    return conn


class Liveness:
    """A worker's liveness lock that outlives a database restart: `ensure()`
    checks its connection and, when the database dropped it, connects and
    takes the lock again (False while the database is away)."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.conn: psycopg.Connection | None = None
        self.lock = threading.Lock()

    def ensure(self) -> bool:
        with self.lock:
            try:
                if self.conn is not None and not self.conn.closed:
                    self.conn.execute("SELECT 1")
                    return True
            except psycopg.Error:
                pass
            self.close()
            try:
                self.conn = hold_liveness(self.worker_id)
            except psycopg.Error as error:
                logger.warning("Liveness lock not held (database away): %s", error)
                self.conn = None
                return False
            logger.info("Liveness lock of worker %s held", self.worker_id)
            return True

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
            self.conn = None


def _worker_alive(cursor, worker_id: str) -> bool:
    cursor.execute(
        "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LIVENESS_LOCKS, worker_id]
    )
    (free,) = cursor.fetchone()
    if free:
        cursor.execute(
            "SELECT pg_advisory_unlock(%s, hashtext(%s))", [LIVENESS_LOCKS, worker_id]
        )
    return not free


# RUNNING jobs whose worker's lock was free at this process's last look:
# re-queued if it is still free at the next one.
_suspects: dict[int, str] = {}


def reap_orphans(*, confirm: bool = True) -> int:
    """Put back in the queue every RUNNING job whose worker is gone; returns
    how many. With `confirm`, a worker counts as gone when its lock was free
    at this look and at the previous one (a worker reconnecting after a
    database restart takes it back in between)."""
    requeued = 0
    running = DBTaskResult.objects.running().values_list("pk", "worker_ids")
    seen_free = {}
    with connection.cursor() as cursor:
        for pk, worker_ids in list(running):
            worker = worker_ids[-1] if worker_ids else ""
            if not worker or _worker_alive(cursor, worker):
                continue
            seen_free[pk] = worker
            if confirm and _suspects.get(pk) != worker:
                continue  # free once: look again next time
            with transaction.atomic():
                requeued += DBTaskResult.objects.filter(
                    pk=pk, status=TaskResultStatus.RUNNING
                ).update(status=TaskResultStatus.READY, started_at=None)
            logger.warning("Re-queued job %s: its worker %s is gone", pk, worker)
            seen_free.pop(pk)
    _suspects.clear()
    _suspects.update(seen_free)
    return requeued


def fresh_connection(sender, **kwargs) -> None:
    """Before a worker records a job's state (a pre_save receiver of
    DBTaskResult): a connection the database dropped while the job ran (a
    restart) is replaced, so the result is recorded instead of the job being
    put back and run again."""
    if connection.in_atomic_block or connection.connection is None:
        return
    if not connection.is_usable():
        connection.close()


def requeue_own(worker_id: str) -> int:
    """Put back the jobs this worker left RUNNING when its own work failed on
    a lost database connection (it runs none of them any more)."""
    mine = DBTaskResult.objects.running().filter(worker_ids__contains=[worker_id])
    requeued = 0
    for pk, worker_ids in list(mine.values_list("pk", "worker_ids")):
        if worker_ids and worker_ids[-1] == worker_id:
            requeued += DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING
            ).update(status=TaskResultStatus.READY, started_at=None)
            logger.warning("Re-queued job %s, left running by this worker", pk)
    return requeued
