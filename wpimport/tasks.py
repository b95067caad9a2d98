"""The admin's WordPress import, run in the background (django.tasks)."""

import logging
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from articles.images import STORAGE_ERRORS

logger = logging.getLogger(__name__)

MAX_UNZIPPED_BYTES = 2 * 1024**3
MAX_ZIP_MEMBERS = 100_000


class UnsafeZip(ValueError):
    pass


def extract_uploads(zip_file, destination: Path) -> Path:
    """Unpack the uploads zip safely (no absolute or ../ paths, size-capped)."""
    limit = getattr(settings, "WPIMPORT_MAX_UNZIPPED_BYTES", MAX_UNZIPPED_BYTES)
    root = destination.resolve()
    with zipfile.ZipFile(zip_file) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UnsafeZip(f"the zip holds more than {MAX_ZIP_MEMBERS} files")
        if sum(m.file_size for m in members) > limit:
            raise UnsafeZip(f"the zip unpacks to more than {limit} bytes")
        for member in members:
            target = (root / member.filename).resolve()
            if root not in target.parents and target != root:
                raise UnsafeZip(f"unsafe path in zip: {member.filename!r}")
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
    return root


def import_files_delete(run) -> None:
    """Delete a run's uploaded files (the export holds commenters' e-mails
    and addresses): called when the run ends, is cancelled or is deleted.
    The report, which names no address, stays on the run."""
    from .models import ImportRun

    for field in ("export_file", "uploads_zip"):
        file = getattr(run, field)
        if file:
            try:
                file.storage.delete(file.name)
            except STORAGE_ERRORS:
                logger.warning("could not delete %s of import #%s", file.name, run.pk)
                continue
            setattr(run, field, "")
    ImportRun.objects.filter(pk=run.pk).update(
        export_file=run.export_file.name or "", uploads_zip=run.uploads_zip.name or ""
    )


@task
def run_import(run_id: int) -> str:
    """Run an ImportRun; its progress and report are saved on the row, and
    its uploaded files are deleted when it ends."""
    from .models import ImportRun
    from .services import UnknownAccount, wordpress_import
    from .wxr import NotWXR

    run = ImportRun.objects.get(pk=run_id)
    ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.RUNNING)

    def progress(stage, done, total):
        if done == total or done % max(1, total // 100) == 0:
            ImportRun.objects.filter(pk=run_id).update(
                progress={"stage": stage, "done": done, "total": total}
            )

    def checkpoint(report, done):
        # Inside the batch's transaction: the saved report and the committed
        # items always match, so a re-run of a killed job counts exactly.
        ImportRun.objects.filter(pk=run_id).update(
            report={**report.as_dict(), "partial": True, "done": done}
        )

    status, error, report = ImportRun.Status.DONE, "", {}
    try:
        with tempfile.TemporaryDirectory(prefix="wpimport-") as tmp:
            tmp = Path(tmp)
            export = tmp / "export.xml"
            with run.export_file.open("rb") as source, export.open("wb") as out:
                shutil.copyfileobj(source, out)
            media_dir = None
            if run.uploads_zip:
                with run.uploads_zip.open("rb") as source:
                    media_dir = extract_uploads(source, tmp / "uploads")
            report = wordpress_import(
                path=export,
                media_dir=media_dir,
                dry_run=run.dry_run,
                author_map=run.author_map,
                progress=progress,
                resume=run.report if run.report.get("partial") else None,
                checkpoint=checkpoint,
            ).as_dict()
    except (NotWXR, UnsafeZip, zipfile.BadZipFile, UnknownAccount) as exc:
        status, error = ImportRun.Status.FAILED, str(exc)
    except Exception as exc:  # reported on the run, not lost in a worker log
        status, error = ImportRun.Status.FAILED, f"unexpected error: {exc!r}"
    ImportRun.objects.filter(pk=run_id).update(
        status=status, error=error, report=report, finished_at=timezone.now()
    )
    import_files_delete(run)
    return status
