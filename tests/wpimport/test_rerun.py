"""An import job killed halfway (kill -9 of its worker) and run again counts
exactly: every story, comment and author once, as created, although the
second run finds the first one's committed part already there."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection

from articles.models import Article, AuthorProfile
from comments.models import Comment
from tests.processes import child_env
from wpimport.models import ImportRun
from wpimport.tasks import run_import

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)
BATCH = 10


@pytest.fixture
def run(tmp_path, media_root, roles):
    export = tmp_path / "export.xml"
    with export.open("w") as out:
        subprocess.run(
            [sys.executable, "scripts/make_wxr.py", "--posts", "120",
             "--comments", "360"],
            cwd=ROOT, stdout=out, check=True, timeout=60,
        )  # fmt: skip
    record = ImportRun(export_name="export.xml")
    with export.open("rb") as f:
        record.export_file.save("export.xml", File(f), save=False)
    record.save()
    return record


def test_a_killed_import_run_again_counts_each_item_once(run, media_root, settings):
    s = connection.settings_dict
    env = child_env(
        DATABASE_URL=f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        DJANGO_SECRET_KEY="test-only-secret-key-for-the-killed-import-0123456789",
        DJANGO_ALLOWED_HOSTS="localhost",
        DJANGO_MEDIA_ROOT=str(media_root),
        NEWSROOM_CACHE_URL="locmem://",
    )
    code = (
        "import time; from django.conf import settings; "
        f"settings.WPIMPORT_COMMIT_EVERY = {BATCH}; "
        "from wpimport import posts; "
        # Slow enough to be killed in the middle, as a long import is.
        "original = posts.PostImport._import_post; "
        "posts.PostImport._import_post = "
        "lambda self, item: (time.sleep(0.05), original(self, item))[1]; "
        f"from wpimport.tasks import run_import; run_import.call({run.pk})"
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while (ImportRun.objects.get(pk=run.pk).report or {}).get("done", 0) < 40:
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never got halfway"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    halfway = ImportRun.objects.get(pk=run.pk)
    assert halfway.report["partial"] and 40 <= halfway.report["done"] < 120
    assert 40 <= Article.objects.count() < 120  # committed batches only
    settings.WPIMPORT_COMMIT_EVERY = BATCH
    run_import.call(run.pk)  # the job again, as a worker re-runs it
    done = ImportRun.objects.get(pk=run.pk)
    assert done.status == "done", done.error
    counts = done.report["counts"]
    assert Article.objects.count() == 120
    assert counts["articles"] == {"created": 120}
    assert counts["comments"]["created"] == Comment.objects.count()
    assert counts["authors"] == {"created": AuthorProfile.objects.count()}
    assert not [kind for kind, c in counts.items() if "unchanged" in c]
    assert "partial" not in done.report
