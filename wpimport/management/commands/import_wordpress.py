import sys

from django.core.management.base import BaseCommand, CommandError

from wpimport.services import UnknownAccount, wordpress_import
from wpimport.wxr import NotWXR


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): authors, categories, tags, posts, "
        "featured images, comments and old links. Safe to run again: unchanged "
        "items are skipped, changed ones updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="the .xml file from Tools → Export")
        parser.add_argument(
            "--media-dir",
            help="the old site's wp-content/uploads folder (for featured images)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and report; save nothing"
        )
        parser.add_argument(
            "--default-author",
            help="username credited for posts whose author is not in the export",
        )
        parser.add_argument(
            "--map-author",
            action="append",
            default=[],
            metavar="WP_LOGIN=USERNAME",
            help="credit the export's author WP_LOGIN to the existing account "
            "USERNAME (repeat for each). Without it an author becomes a new "
            "account with no staff rights and no password: an import never "
            "matches, nor changes, an existing account by itself",
        )

    def handle(
        self, *args, export, media_dir, dry_run, default_author, map_author, **options
    ):
        author_map = {}
        for pair in map_author:
            login, sep, username = pair.partition("=")
            if not sep or not login or not username:
                raise CommandError(f"--map-author {pair!r}: write WP_LOGIN=USERNAME")
            author_map[login] = username
        stderr = sys.stderr
        interactive = stderr.isatty()

        def progress(stage, done, total):
            if not total:
                return
            if interactive or done == total or done % max(1, total // 20) == 0:
                width = 30
                filled = width * done // total
                bar = "#" * filled + "-" * (width - filled)
                end = "\n" if done == total or not interactive else ""
                stderr.write(f"\r{stage:<6} [{bar}] {done}/{total}{end}")
                stderr.flush()

        try:
            report = wordpress_import(
                path=export,
                media_dir=media_dir,
                dry_run=dry_run,
                default_author=default_author,
                author_map=author_map,
                progress=progress,
            )
        except UnknownAccount as error:
            raise CommandError(f"--map-author: {error}; nothing imported") from None
        except NotWXR as error:
            raise CommandError(f"{export} is not a WordPress export: {error}") from None
        except OSError as error:
            raise CommandError(f"cannot read {export}: {error}") from None
        self.stdout.write("\n".join(report.lines()))
