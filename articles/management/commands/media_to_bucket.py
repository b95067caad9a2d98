"""Copy media from the local MEDIA_ROOT into the configured storages (the
object store's buckets once NEWSROOM_S3_ENDPOINT_URL is set): what readers
load (renditions, body images, author squares, imported WordPress images)
into the public one, every upload into the private one. Files already there
are left alone, so it can run again after an interruption."""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from articles.images import PUBLIC_FOLDERS, in_object_store


class Command(BaseCommand):
    help = "Copy local media (MEDIA_ROOT) into the public and private buckets."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            default=str(settings.MEDIA_ROOT),
            help="The local media folder (default: MEDIA_ROOT).",
        )

    def handle(self, *args, source, **options):
        root = Path(source)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        if not in_object_store():
            raise CommandError(
                "No object store configured (NEWSROOM_S3_ENDPOINT_URL): nothing to "
                "copy into."
            )
        public, private = storages["public"], storages["default"]
        copied = skipped = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            storage = public if name.split("/", 1)[0] in PUBLIC_FOLDERS else private
            if storage.exists(name):
                skipped += 1
                continue
            with path.open("rb") as handle:
                stored = storage.save(name, File(handle))
            if stored != name:  # never renamed: the database names it so
                raise CommandError(f"{name} was stored as {stored}.")
            copied += 1
        self.stdout.write(f"Copied {copied} file(s); {skipped} already in the buckets.")
