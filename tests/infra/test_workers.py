"""The reaper re-queues a job only when its worker's liveness lock is free
(the worker's database connection is gone) at two looks in a row, never a
live worker's, nor one that takes its lock back in between (a database
restart drops every lock at once)."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from infra.workers import Liveness, hold_liveness, reap_orphans, requeue_own

pytestmark = pytest.mark.django_db(transaction=True)


def _running(worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tests.cluster.jobs.slow_job",
        worker_ids=[worker_id],
        backend_name="default",
        run_after=timezone.now(),
        started_at=timezone.now(),
    )


def test_only_the_jobs_of_dead_workers_are_requeued():
    alive = hold_liveness("worker-alive")
    dying = hold_liveness("worker-dying")
    try:
        live_job, dead_job = _running("worker-alive"), _running("worker-dying")
        assert reap_orphans() == 0  # both workers hold their locks
        dying.close()  # the worker's connection is gone (it died)
        assert reap_orphans() == 0  # free once: looked at again
        assert reap_orphans() == 1
        live_job.refresh_from_db()
        dead_job.refresh_from_db()
        assert (live_job.status, dead_job.status) == ("RUNNING", "READY")
        assert dead_job.started_at is None
        assert reap_orphans() == 0  # nothing twice
    finally:
        alive.close()


def test_a_worker_that_takes_its_lock_back_keeps_its_job():
    """The database dropped the worker's connection (a restart): it
    reconnects and takes its lock again before the second look."""
    liveness = Liveness("worker-back")
    assert liveness.ensure()
    try:
        job = _running("worker-back")
        liveness.conn.close()  # what a database restart does to it
        assert reap_orphans() == 0  # free at this look
        assert liveness.ensure()  # reconnected, lock taken again
        assert reap_orphans() == 0
        assert reap_orphans() == 0
        job.refresh_from_db()
        assert job.status == "RUNNING"
    finally:
        liveness.close()


def test_a_worker_puts_back_the_job_it_left_running():
    mine, other = _running("worker-me"), _running("worker-other")
    assert requeue_own("worker-me") == 1
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, other.status) == ("READY", "RUNNING")
