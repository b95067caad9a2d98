"""A reply e-mail goes at most once even when the worker sending it is
killed mid-send (#30): real workers (`manage.py run_worker`, the database
task backend), a real SMTP server (aiosmtpd) that takes the message and
stalls before answering, kill -9, and a second worker that runs the
orphaned job again."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks_db.models import DBTaskResult

from comments import services
from comments.models import ReplyMail
from comments.tasks import send_reply_mails
from tests.factories import ArticleFactory, CommentFactory
from tests.processes import child_env, free_port, stop

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


class StallingSink:
    """Keeps every message; answers the first only after a long pause (the
    worker is killed while it waits for the server's "250")."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content)
        self.received.set()
        if len(self.messages) == 1:
            await asyncio.sleep(120)
        return "250 Kept"


def worker(port: int, name: str) -> subprocess.Popen:
    s = connection.settings_dict
    database_url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env = child_env(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=os.environ["DJANGO_SECRET_KEY"],
        DJANGO_ALLOWED_HOSTS="localhost",
        DJANGO_DEBUG="false",
        NEWSROOM_TASKS_BACKEND="database",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(port),
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--reap-every", "1"]
        + ["--no-startup-delay", "--worker-id", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_a_worker_killed_mid_send_sends_no_duplicate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    article = ArticleFactory()
    parent = CommentFactory(
        article=article, email="ana@example.com", notify_replies=True
    )
    services.mail_address_confirm(email="ana@example.com")
    reply = CommentFactory(article=article, parent=parent, body="A reply")
    assert services.reply_mails_queue(reply_ids=[reply.pk]) == 1  # job queued
    (job,) = DBTaskResult.objects.filter(task_path=send_reply_mails.module_path)

    sink = StallingSink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    first = second = None
    try:
        first = worker(port, "worker-first")
        assert sink.received.wait(60), first.stderr.read1().decode()
        # The message is at the server, its "250" not yet back: kill -9.
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        second = worker(port, "worker-second")
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.get(pk=job.pk).status != "SUCCESSFUL":
            assert time.monotonic() < deadline, "the orphaned job never ran again"
            assert second.poll() is None, second.stderr.read().decode()
            time.sleep(0.3)
        job.refresh_from_db()
        assert job.worker_ids == ["worker-first", "worker-second"]
        assert len(sink.messages) == 1  # sent once, never again
        message = message_from_bytes(sink.messages[0])
        assert message["To"] == "ana@example.com"
        assert ReplyMail.objects.get().outcome == "sent"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                stop(process)
        smtp.stop()
