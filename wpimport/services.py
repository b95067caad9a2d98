"""Import a WordPress (WXR) export: authors, categories, tags, posts with their
featured images and source credits, comments, and the old links.

Two streaming passes over the file: the first collects authors, terms and
attachments (small), the second imports posts one by one, each in its own
transaction, so memory stays flat and a bad item never half-saves.
"""

import html
import sys
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from articles.models import AuthorProfile, Section, Tag
from caching.invalidation import invalidate

from . import wxr
from .comment_import import CommentImport
from .models import ImportedObject, ImportSource
from .posts import PostImport, attachment_credit
from .report import Report
from .terms import TermImport

Kind = ImportedObject.Kind

COMMIT_EVERY = 100  # posts a transaction (settings.WPIMPORT_COMMIT_EVERY)


class Importer(TermImport, PostImport, CommentImport):
    """One import run: the state the three parts share, and the two passes."""

    def __init__(
        self,
        *,
        path,
        media_dir=None,
        dry_run: bool = False,
        default_author: str | None = None,
        author_map: dict | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        resume: dict | None = None,
        checkpoint: Callable[[Report, int], None] | None = None,
    ):
        self.path = Path(path)
        self.media_dir = Path(media_dir) if media_dir else None
        self.report = Report(dry_run=dry_run)
        # An interrupted run goes again from the start of the file (every
        # item is matched, so nothing is made twice) without counting twice
        # what its committed part counted: its report, saved with each
        # commit by `checkpoint(report, posts_done)`, goes on from there.
        self.resume_done = 0
        if resume:
            self.report = Report.resumed(resume)
            self.resume_done = resume.get("done", 0)
        self.checkpoint = checkpoint or (lambda report, done: None)
        self.progress = progress or (lambda stage, done, total: None)
        self.default_author = default_author
        # WordPress login → an existing account, as the person importing
        # confirmed it (resolve_author_map); nothing else reaches one.
        self.author_map = author_map or {}
        self.authors: dict[str, AuthorProfile] = {}
        self.sections: dict[str, Section] = {}  # by category name and slug
        self.tags: dict[str, Tag] = {}
        self.attachments: dict[int, dict] = {}
        self.mapping: dict[tuple[str, str], ImportedObject] = {}
        self.site: dict = {}
        self.post_total = 0

    # Entry point.

    def run(self) -> Report:
        """Import the file; in a dry run everything is rolled back at the end."""
        if self.report.dry_run:
            with transaction.atomic():
                self._run()
                transaction.set_rollback(True)
        else:
            self._run()
        return self.report

    def _run(self):
        resuming = self.resume_done > 0 or bool(self.report.counts)
        self.report.muted = resuming
        authors, categories, tags = [], [], []
        for kind, value in wxr.read(self.path):
            if kind == "site":
                self.site = value
            elif kind == "author":
                authors.append(value)
            elif kind == "category":
                categories.append(value)
            elif kind == "tag":
                tags.append(value)
            elif kind == "item":
                self._collect(value)
        site_url = self.site.get("wp:base_site_url") or self.site.get(
            "wp:base_blog_url", ""
        )
        self.source, _ = ImportSource.objects.get_or_create(site_url=site_url or "-")
        self.mapping = {
            (o.kind, o.wp_id): o
            for o in ImportedObject.objects.filter(source=self.source).exclude(
                kind=Kind.COMMENT
            )
        }
        with transaction.atomic():
            before = self.report.total("created") + self.report.total("updated")
            self._import_authors(authors)
            self._import_categories(categories)
            self._import_tags(tags)
            if self.report.total("created") + self.report.total("updated") != before:
                invalidate("site")  # every page shows sections, authors
            if not resuming:
                self.checkpoint(self.report, 0)
        done = 0
        every = getattr(settings, "WPIMPORT_COMMIT_EVERY", COMMIT_EVERY)
        batch = transaction.atomic()
        batch.__enter__()
        try:
            for kind, value in wxr.read(self.path):
                if kind != "item" or value.post_type != "post":
                    continue
                self.report.muted = done < self.resume_done
                self._import_post(value)  # its own savepoint
                done += 1
                if done % every == 0:
                    # Commit in batches: one fsync per batch, not per post;
                    # the report so far is saved in the same transaction.
                    if done > self.resume_done:
                        self.checkpoint(self.report, done)
                    batch.__exit__(None, None, None)
                    batch = transaction.atomic()
                    batch.__enter__()
                self.progress("posts", done, self.post_total)
        except BaseException:
            batch.__exit__(*sys.exc_info())
            raise
        finally:
            self.report.muted = False
        batch.__exit__(None, None, None)

    def _collect(self, item: wxr.Item):
        """First pass: attachments, and what will be skipped."""
        if item.post_type == "attachment":
            caption = html.unescape(item.get("excerpt:encoded"))
            self.attachments[item.id] = {
                "file": item.meta.get("_wp_attached_file", ""),
                "alt": item.meta.get("_wp_attachment_image_alt", ""),
                "caption": caption,
                "url": item.get("wp:attachment_url"),
                "title": html.unescape(item.get("title") or ""),
                "credit": attachment_credit(
                    item.meta.get("_wp_attachment_metadata", ""), caption
                ),
            }
        elif item.post_type == "post":
            self.post_total += 1
        else:
            self.report.count(item.post_type or "unknown", "skipped")
            self.report.warn(
                f"{item.post_type} {item.id} “{item.get('title')}”",
                f"skipped: {item.post_type} items are not imported",
            )

    # Mapping helpers.

    def _known(self, kind, wp_id):
        return self.mapping.get((kind, str(wp_id)))

    def _remember(self, kind, wp_id, obj_id, digest, extra=None):
        record = ImportedObject(
            source=self.source,
            kind=kind,
            wp_id=str(wp_id),
            object_id=obj_id,
            checksum=digest,
            extra=extra or {},
        )
        ImportedObject.objects.bulk_create(
            [record],
            update_conflicts=True,
            unique_fields=["source", "kind", "wp_id"],
            update_fields=["object_id", "checksum", "extra"],
        )
        self.mapping[(kind, str(wp_id))] = record


class UnknownAccount(ValueError):
    """A mapping names an account that does not exist."""


def resolve_author_map(author_map: dict[str, str] | None) -> dict:
    """WordPress login → username, as the person importing gave it, with
    each username's account. Raises UnknownAccount for a username that
    matches no account (nothing is imported then)."""
    User = get_user_model()
    resolved = {}
    for login, username in (author_map or {}).items():
        user = User.objects.filter(username=username).first()
        if user is None:
            raise UnknownAccount(f"no account named {username!r} (for {login!r})")
        resolved[login] = user
    return resolved


def wordpress_authors(path) -> list[dict]:
    """The authors an export names (login, e-mail, display name), read
    from its head without reading its posts."""
    authors = []
    for kind, value in wxr.read(path):
        if kind == "author":
            authors.append(
                {
                    "login": value.get("wp:author_login", ""),
                    "email": value.get("wp:author_email", ""),
                    "name": html.unescape(
                        value.get("wp:author_display_name", "") or ""
                    ),
                }
            )
        elif kind == "item":
            break  # WordPress writes its authors before the first item
    return authors


def wordpress_import(
    *,
    path,
    media_dir=None,
    dry_run=False,
    default_author=None,
    author_map=None,
    progress=None,
    resume=None,
    checkpoint=None,
) -> Report:
    """Import a WXR file. Raises wxr.NotWXR when the file is not an export,
    UnknownAccount when `author_map` (WordPress login → username) names an
    account that does not exist."""
    return Importer(
        path=path,
        media_dir=media_dir,
        dry_run=dry_run,
        default_author=default_author,
        author_map=resolve_author_map(author_map),
        progress=progress,
        resume=resume,
        checkpoint=checkpoint,
    ).run()
