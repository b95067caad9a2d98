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

Every job must therefore be safe to run twice: each records what it did
before doing it (an e-mail is marked sent before it goes; see the tasks).
"""

import logging

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
    conn = psycopg.connect(**_conninfo(), autocommit=True)
    conn.execute(
        "SELECT pg_advisory_lock(%s, hashtext(%s))", [LIVENESS_LOCKS, worker_id]
    )
    return conn


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


def reap_orphans() -> int:
    """Put back in the queue every RUNNING job whose worker is gone; returns
    how many."""
    requeued = 0
    running = DBTaskResult.objects.running().values_list("pk", "worker_ids")
    with connection.cursor() as cursor:
        for pk, worker_ids in list(running):
            worker = worker_ids[-1] if worker_ids else ""
            if not worker or _worker_alive(cursor, worker):
                continue
            with transaction.atomic():
                requeued += DBTaskResult.objects.filter(
                    pk=pk, status=TaskResultStatus.RUNNING
                ).update(status=TaskResultStatus.READY, started_at=None)
            logger.warning("Re-queued job %s: its worker %s is gone", pk, worker)
    return requeued
