"""`manage.py run_worker`: django-tasks-db's worker, plus a liveness lock
and a reaper (newsroom/workers.py), so a job whose worker died runs again."""

import logging
import threading

from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DBWorker

from newsroom.workers import hold_liveness, reap_orphans

logger = logging.getLogger(__name__)


class Command(DBWorker):
    help = (
        "Run a background worker (django-tasks-db) that holds a liveness lock "
        "and re-queues the jobs of workers that died. Use this, not db_worker: "
        "a db_worker holds no lock, so its running jobs would be re-queued."
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
        liveness = hold_liveness(worker_id)
        stop = threading.Event()

        def reaper():
            while not stop.is_set():
                try:
                    reap_orphans()
                except Exception:  # a database blip: try again next time
                    logger.exception("Looking for orphaned jobs failed")
                finally:
                    connection.close()  # this thread's own connection
                stop.wait(reap_every)

        thread = threading.Thread(target=reaper, name="reaper", daemon=True)
        thread.start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            stop.set()
            thread.join(timeout=reap_every + 1)
            liveness.close()
