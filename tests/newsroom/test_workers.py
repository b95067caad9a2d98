"""The reaper re-queues a job only when its worker's liveness lock is free
(the worker's database connection is gone), never a live worker's."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.workers import hold_liveness, reap_orphans

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
        assert reap_orphans() == 1
        live_job.refresh_from_db()
        dead_job.refresh_from_db()
        assert (live_job.status, dead_job.status) == ("RUNNING", "READY")
        assert dead_job.started_at is None
        assert reap_orphans() == 0  # nothing twice
    finally:
        alive.close()
