"""`manage.py run_worker`: django-tasks-db's worker, plus a liveness lock
and a reaper (infra/workers.py), so a job whose worker died runs again;
and a worker that waits for the database instead of exiting when it is
briefly away (a restart, a failover)."""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError, connection, connections
from django.db.models.signals import pre_save
from django_tasks_db.management.commands.db_worker import Command as DBWorker
from django_tasks_db.models import DBTaskResult

from infra.workers import Liveness, fresh_connection, reap_orphans, requeue_own

logger = logging.getLogger(__name__)

# Waits between two tries while the database is away: short first, then
# at most this long.
RETRY_SECONDS = (0.5, 1, 2, 5)


class Command(DBWorker):
    help = (
        "Run a background worker (django-tasks-db) that holds a liveness lock "
        "and re-queues the jobs of workers that died. Use this, not db_worker: "
        "a db_worker holds no lock, so its running jobs would be re-queued. "
        "While the database is away it waits and reconnects."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reap-every",
            type=float,
            default=5.0,
            help="Seconds between two looks for orphaned jobs (5).",
        )

    def handle(self, *args, worker_id, reap_every=5.0, **options):
        # db_worker's --worker-id defaults to a random id per process.
        pre_save.connect(fresh_connection, sender=DBTaskResult)
        liveness = Liveness(worker_id)
        stop = threading.Event()

        def reaper():
            while not stop.is_set():
                held = False
                try:
                    # The lock first: after a restart this worker's own
                    # running job must not look orphaned, to anyone.
                    held = liveness.ensure()
                    if held:
                        reap_orphans()
                except Exception:  # a database blip: try again next time
                    logger.exception("Looking for orphaned jobs failed")
                finally:
                    connection.close()  # this thread's own connection
                stop.wait(reap_every if held else RETRY_SECONDS[1])

        thread = threading.Thread(target=reaper, name="reaper", daemon=True)
        thread.start()
        failures = 0
        try:
            while True:
                try:
                    self._wait_for(liveness)
                    requeue_own(worker_id)
                    failures = 0
                    super().handle(*args, worker_id=worker_id, **options)
                    return
                except (OperationalError, InterfaceError) as error:
                    wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                    failures += 1
                    logger.warning(
                        "Database away (%s); trying again in %s s", error, wait
                    )
                    connections.close_all()
                    time.sleep(wait)
        finally:
            stop.set()
            thread.join(timeout=reap_every + 1)
            liveness.close()

    @staticmethod
    def _wait_for(liveness: Liveness) -> None:
        """Until the database answers and this worker's lock is held."""
        failures = 0
        while not liveness.ensure():
            time.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1
