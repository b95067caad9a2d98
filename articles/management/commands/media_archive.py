"""Media in and out of a backup when they live in object storage:

    manage.py media_archive dump FILE.tar.gz   every object of both buckets
    manage.py media_archive load FILE.tar.gz   put them back

The archive holds `public/<key>` and `private/<key>`; loading overwrites an
object of the same key and leaves others alone. scripts/backup and
scripts/restore call it when NEWSROOM_S3_ENDPOINT_URL is set (otherwise they
archive the media folder)."""

import tarfile

from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from articles.images import in_object_store

STORES = {"public": "public", "private": "default"}


class Command(BaseCommand):
    help = "Dump or load every media object of the public and private buckets."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["dump", "load"])
        parser.add_argument("archive")

    def handle(self, *args, action, archive, **options):
        if not in_object_store():
            raise CommandError("No object store configured (NEWSROOM_S3_ENDPOINT_URL).")
        if action == "dump":
            count = self.dump(archive)
        else:
            count = self.load(archive)
        self.stdout.write(f"{count} object(s) {action}ed: {archive}")

    def dump(self, archive: str) -> int:
        count = 0
        with tarfile.open(archive, "w:gz") as tar:
            for prefix, alias in STORES.items():
                storage = storages[alias]
                for summary in storage.bucket.objects.all():
                    body = storage.bucket.Object(summary.key).get()["Body"]
                    info = tarfile.TarInfo(f"{prefix}/{summary.key}")
                    info.size = summary.size
                    info.mtime = int(summary.last_modified.timestamp())
                    tar.addfile(info, body)
                    count += 1
        return count

    def load(self, archive: str) -> int:
        count = 0
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                prefix, _, key = member.name.partition("/")
                if prefix not in STORES or not key or ".." in key.split("/"):
                    raise CommandError(
                        f"Unexpected entry in the archive: {member.name}"
                    )
                storage = storages[STORES[prefix]]
                if storage.exists(key):
                    storage.delete(key)  # the private bucket never overwrites
                stored = storage.save(key, File(tar.extractfile(member)))
                if stored != key:
                    raise CommandError(f"{key} was stored as {stored}.")
                count += 1
        return count
