"""Import a WordPress (WXR) export: authors, categories, tags, posts with their
featured images and source credits, comments, and the old links.

Two streaming passes over the file: the first collects authors, terms and
attachments (small), the second imports posts one by one, each in its own
transaction, so memory stays flat and a bad item never half-saves.
"""

import hashlib
import html
import ipaddress
import json
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from articles.invalidation import article_tags, invalidate
from articles.models import (
    Article,
    ArticleAuthor,
    AuthorProfile,
    Section,
    Tag,
    fit,
    unique_slug,
)
from articles.services import article_refresh_renditions, article_set_authors
from comments.models import IMPORTED_RULE, Comment

from . import wxr
from .content import comment_text, post_body
from .models import ImportedObject, ImportSource, LegacyRedirect
from .phpserial import PHPSerializeError
from .phpserial import loads as php_loads

Kind = ImportedObject.Kind
logger = logging.getLogger(__name__)

POST_STATUS = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.IN_REVIEW,
    "private": Article.Status.DRAFT,
    "auto-draft": Article.Status.DRAFT,
}
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REJECTED,
}
ZERO_DATE = "0000-00-00 00:00:00"
COMMIT_EVERY = 100


@dataclass
class Report:
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    warnings: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[kind][outcome] += n

    def warn(self, item: str, message: str) -> None:
        self.warnings.append({"item": item, "message": message})

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "counts": {k: dict(v) for k, v in sorted(self.counts.items())},
            "warnings": self.warnings,
        }

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    def lines(self) -> list[str]:
        out = [
            "WordPress import" + (" (dry run: nothing saved)" if self.dry_run else "")
        ]
        for kind, counter in sorted(self.counts.items()):
            parts = ", ".join(
                f"{n} {outcome}" for outcome, n in sorted(counter.items())
            )
            out.append(f"  {kind:<12} {parts}")
        out.append(f"  warnings     {len(self.warnings)}")
        out += [f"    - {w['item']}: {w['message']}" for w in self.warnings]
        return out


def checksum(*parts) -> str:
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def parse_gmt(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def source_credit(meta: dict, *, item: str, report: Report) -> tuple[str, str]:
    """(name, url) from the Newspaper theme's td_post_theme_settings meta."""
    raw = meta.get("td_post_theme_settings")
    if not raw:
        return "", ""
    try:
        settings = php_loads(raw)
    except (PHPSerializeError, ValueError) as error:
        report.warn(item, f"unreadable td_post_theme_settings ({error})")
        return "", ""
    if not isinstance(settings, dict):
        return "", ""
    name = str(settings.get("td_source") or "").strip()
    url = str(settings.get("td_source_url") or "").strip()
    if not name:  # a "via" alone still credits the outlet the story came from
        name = str(settings.get("td_via") or "").strip()
        url = str(settings.get("td_via_url") or "").strip()
    return fit(Article, "source_name", html.unescape(name)), fit(
        Article, "source_url", url
    )


class Importer:
    def __init__(
        self,
        *,
        path,
        media_dir=None,
        dry_run: bool = False,
        default_author: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.path = Path(path)
        self.media_dir = Path(media_dir) if media_dir else None
        self.report = Report(dry_run=dry_run)
        self.progress = progress or (lambda stage, done, total: None)
        self.default_author = default_author
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
        done = 0
        batch = transaction.atomic()
        batch.__enter__()
        try:
            for kind, value in wxr.read(self.path):
                if kind != "item" or value.post_type != "post":
                    continue
                self._import_post(value)  # its own savepoint
                done += 1
                if done % COMMIT_EVERY == 0:
                    # Commit in batches: one fsync per batch, not per post.
                    batch.__exit__(None, None, None)
                    batch = transaction.atomic()
                    batch.__enter__()
                self.progress("posts", done, self.post_total)
        except BaseException:
            batch.__exit__(*sys.exc_info())
            raise
        batch.__exit__(None, None, None)

    def _collect(self, item: wxr.Item):
        """First pass: attachments, and what will be skipped."""
        if item.post_type == "attachment":
            self.attachments[item.id] = {
                "file": item.meta.get("_wp_attached_file", ""),
                "alt": item.meta.get("_wp_attachment_image_alt", ""),
                "caption": html.unescape(item.get("excerpt:encoded")),
                "url": item.get("wp:attachment_url"),
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

    # Authors, categories, tags.

    def _import_authors(self, authors):
        User = get_user_model()
        for data in authors:
            login = data.get("wp:author_login", "")
            display = html.unescape(data.get("wp:author_display_name", "") or login)
            digest = checksum(data)
            known = self._known(Kind.AUTHOR, login)
            if known and known.checksum == digest:
                profile = (
                    AuthorProfile.objects.select_related("user")
                    .filter(pk=known.object_id)
                    .first()
                )
                if profile:
                    self.authors[login] = profile
                    self.report.count("authors", "unchanged")
                    continue
            user = User.objects.filter(username=login[:150]).first()
            created = user is None
            if created:
                user = User(username=login[:150])
                user.set_unusable_password()
            user.email = data.get("wp:author_email", "")[:254]
            user.first_name = html.unescape(data.get("wp:author_first_name", ""))[:150]
            user.last_name = html.unescape(data.get("wp:author_last_name", ""))[:150]
            user.save()
            profile = AuthorProfile.objects.filter(user=user).first()
            if profile is None:
                profile = AuthorProfile(
                    user=user,
                    slug=unique_slug(AuthorProfile, login or display, max_length=120),
                )
            profile.display_name = display[:120]
            if data.get("wp:author_description"):
                profile.bio = html.unescape(data["wp:author_description"])
            profile.save()
            self.authors[login] = profile
            self._remember(Kind.AUTHOR, login, profile.pk, digest)
            self.report.count("authors", "created" if created else "updated")

    def _import_categories(self, categories):
        for position, data in enumerate(categories):
            slug = data.get("wp:category_nicename", "")
            name = html.unescape(data.get("wp:cat_name", "") or slug)
            parent = data.get("wp:category_parent", "")
            digest = checksum(data)
            known = self._known(Kind.CATEGORY, slug)
            section = (
                Section.objects.filter(pk=known.object_id).first() if known else None
            )
            if section and known.checksum == digest:
                self.report.count("sections", "unchanged")
            else:
                section = section or Section.objects.filter(slug=slug[:80]).first()
                created = section is None
                section = section or Section(slug=slug[:80] or slugify(name)[:80])
                section.name = self._free_section_name(name, section)
                section.position = section.position or 100 + position
                section.save()
                # Nested categories are flattened: each is a section of its own;
                # the WordPress parent is recorded on the import mapping.
                self._remember(
                    Kind.CATEGORY, slug, section.pk, digest, {"parent": parent}
                )
                self.report.count("sections", "created" if created else "updated")
            self.sections[slug] = section
            self.sections[f"name:{name}"] = section

    @staticmethod
    def _free_section_name(name, section):
        others = Section.objects.exclude(pk=section.pk)
        candidate, n = name[:80], 2
        while others.filter(name=candidate).exists():
            candidate = f"{name[:75]} ({n})"
            n += 1
        return candidate

    def _import_tags(self, tags):
        for data in tags:
            slug = data.get("wp:tag_slug", "")
            name = html.unescape(data.get("wp:tag_name", "") or slug)[:80]
            digest = checksum(data)
            known = self._known(Kind.TAG, slug)
            tag = Tag.objects.filter(pk=known.object_id).first() if known else None
            if tag and known.checksum == digest:
                self.report.count("tags", "unchanged")
            else:
                tag = tag or Tag.objects.filter(slug=slug[:80]).first()
                created = tag is None
                tag = tag or Tag(slug=slug[:80] or slugify(name)[:80])
                if not Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
                    tag.name = name
                elif created:
                    tag.name = f"{name} ({slug})"[:80]
                tag.save()
                self._remember(Kind.TAG, slug, tag.pk, digest)
                self.report.count("tags", "created" if created else "updated")
            self.tags[slug] = tag

    # Posts.

    def _section_for(self, item, label):
        for domain, nicename, name in item.categories:
            if domain == "category":
                section = self.sections.get(nicename) or self.sections.get(
                    f"name:{name}"
                )
                if section:
                    return section
        section, _ = Section.objects.get_or_create(
            slug="uncategorized", defaults={"name": "Uncategorized", "position": 999}
        )
        self.report.warn(label, "no category: filed under Uncategorized")
        return section

    def _author_for(self, item, label):
        login = item.get("dc:creator")
        if login in self.authors:
            return self.authors[login]
        if self.default_author:
            profile = AuthorProfile.objects.filter(
                user__username=self.default_author
            ).first()
            if profile is None:
                user = (
                    get_user_model()
                    .objects.filter(username=self.default_author)
                    .first()
                )
                if user is not None:
                    profile = AuthorProfile.objects.create(
                        user=user,
                        display_name=user.get_full_name() or user.username,
                        slug=unique_slug(AuthorProfile, user.username, max_length=120),
                    )
            if profile is not None:
                self.report.warn(
                    label,
                    f"unknown author {login!r}: credited to {self.default_author}",
                )
                return profile
        self.report.warn(label, f"unknown author {login!r}: no byline")
        return None

    def _import_post(self, item: wxr.Item):
        label = f"post {item.id} “{html.unescape(item.get('title'))[:60]}”"
        digest = checksum(item.fields, item.categories, item.meta, len(item.comments))
        known = self._known(Kind.POST, item.id)
        article = Article.objects.filter(pk=known.object_id).first() if known else None
        try:
            with transaction.atomic():
                created = article is None
                before = self.report.total("created") + self.report.total("updated")
                if not created and known.checksum == digest:
                    self.report.count("articles", "unchanged")
                else:
                    article = self._save_article(item, article, label)
                    self._remember(Kind.POST, item.id, article.pk, digest)
                    self.report.count("articles", "created" if created else "updated")
                self._import_comments(item, article, label, fresh=created)
                after = self.report.total("created") + self.report.total("updated")
                if after != before:
                    # Cached pages and fragments showing it drop on commit.
                    invalidate(*article_tags(article.pk))
        except Exception as error:  # one bad item must not stop the import
            logger.exception("WordPress import: %s failed", label)
            self.report.count("articles", "failed")
            self.report.warn(label, f"not imported: {error!r}")

    def _save_article(self, item, article, label) -> Article:
        wp_status = item.get("wp:status")
        status = POST_STATUS.get(wp_status, Article.Status.DRAFT)
        if wp_status == "private":
            self.report.warn(label, "private post imported as a draft")
        if wp_status not in POST_STATUS:
            self.report.warn(label, f"unknown status {wp_status!r}: imported as draft")
        if item.get("wp:post_password"):
            status = Article.Status.DRAFT
            self.report.warn(label, "password-protected post imported as a draft")
        published_at = parse_gmt(item.get("wp:post_date_gmt"))
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = parse_gmt(item.get("wp:post_date"))
        title = html.unescape(item.get("title")).strip() or f"Untitled {item.id}"
        source_name, source_url = source_credit(
            item.meta, item=label, report=self.report
        )
        created = article is None
        article = article or Article()
        article.title = fit(Article, "title", title)
        standfirst = html.unescape(item.get("excerpt:encoded")).strip()
        article.standfirst = fit(Article, "standfirst", standfirst)
        article.body = self._rewrite_uploads(post_body(item.get("content:encoded")))
        article.status = status
        article.published_at = published_at
        article.section = self._section_for(item, label)
        article.source_name = source_name
        article.source_url = source_url
        article.comments_open = item.get("wp:comment_status", "open") == "open"
        slug = slugify(item.get("wp:post_name") or "")[:200] or slugify(title)[:200]
        scope = {"pub_date": published_at.date()} if published_at else {"pk__in": []}
        article.slug = unique_slug(
            Article, slug or "article", instance=article, max_length=200, **scope
        )
        author = self._author_for(item, label)
        if created and author is not None:
            article.created_by = author.user
        article.save()
        tags = [
            self.tags[nicename]
            for domain, nicename, _ in item.categories
            if domain == "post_tag" and nicename in self.tags
        ]
        if created:
            Article.tags.through.objects.bulk_create(
                Article.tags.through(article_id=article.pk, tag_id=tag.pk)
                for tag in {t.pk: t for t in tags}.values()
            )
            if author is not None:
                ArticleAuthor.objects.create(article=article, author=author)
        else:
            article.tags.set(tags)
            article_set_authors(article=article, authors=[author] if author else [])
        self._featured_image(item, article, label)
        modified = parse_gmt(item.get("wp:post_modified_gmt"))
        if modified:
            # Keep WordPress's "last modified", not the time of the import.
            Article.objects.filter(pk=article.pk).update(updated_at=modified)
            article.updated_at = modified
        paths = {
            fit(LegacyRedirect, "old_path", _path(url))
            for url in (item.get("link"), item.get("guid"), f"/?p={item.id}")
            if url
        }
        LegacyRedirect.objects.bulk_create(
            [LegacyRedirect(old_path=path, article=article) for path in paths],
            update_conflicts=True,
            unique_fields=["old_path"],
            update_fields=["article"],
        )
        return article

    def _media_file(self, relative: str) -> Path | None:
        """The old upload under --media-dir (or its uploads/ or
        wp-content/uploads/ folder, as zips of the site often hold them)."""
        if not self.media_dir or not relative:
            return None
        root = self.media_dir.resolve()
        for base in (root, root / "uploads", root / "wp-content" / "uploads"):
            candidate = (base / relative).resolve()
            if root in candidate.parents and candidate.is_file():
                return candidate
        return None

    def _featured_image(self, item, article, label):
        thumbnail = item.meta.get("_thumbnail_id", "")
        if not thumbnail.isdigit():
            return
        attachment = self.attachments.get(int(thumbnail))
        if attachment is None:
            self.report.warn(label, f"featured image {thumbnail} is not in the export")
            return
        path = self._media_file(attachment["file"])
        if path is None:
            self.report.warn(
                label,
                f"featured image file {attachment['file']!r} not found under "
                f"--media-dir: article imported without it",
            )
            return
        article.featured_image_alt = (attachment["alt"] or article.title)[:250]
        article.featured_image_caption = attachment["caption"][:300]
        if self.report.dry_run:
            return
        with path.open("rb") as handle:
            article.featured_image.save(path.name, File(handle), save=False)
        article.save()
        article_refresh_renditions(article=article)
        if not attachment["alt"]:
            self.report.warn(label, "featured image has no alt text: title used")

    def _rewrite_uploads(self, body: str) -> str:
        """Point <img> at copies of the old uploads when --media-dir has them."""
        base = (self.site.get("wp:base_site_url") or "").rstrip("/")
        prefix = f"{base}/wp-content/uploads/"
        if not base or prefix not in body or not self.media_dir:
            return body
        start = 0
        while (index := body.find(prefix, start)) >= 0:
            end = min(
                (i for i in (body.find('"', index), body.find("'", index)) if i > 0),
                default=len(body),
            )
            relative = body[index + len(prefix) : end]
            path = self._media_file(relative)
            if path is not None and not self.report.dry_run:
                name = f"wordpress/{relative}"
                if not default_storage.exists(name):
                    with path.open("rb") as handle:
                        name = default_storage.save(name, File(handle))
                body = body[:index] + default_storage.url(name) + body[end:]
            start = index + 1
        return body

    # Comments.

    @staticmethod
    def _register(comment, cid, comments, comment_ids):
        comments[comment.pk] = comment
        comment_ids[cid] = comment.pk

    def _comment_from_row(self, row, article, label, comments, comment_ids):
        """An unsaved Comment for a WXR comment row. A comment that repeats
        an earlier one is kept: it is on the WordPress site's pages too (the
        duplicate rule is for new submissions, see comments.models)."""
        cid = row.get("wp:comment_id")
        parent = None
        parent_wp = row.get("wp:comment_parent", "0")
        if parent_wp not in ("", "0"):
            parent_pk = comment_ids.get(parent_wp)
            parent = comments.get(parent_pk) if parent_pk else None
            if parent is None:
                self.report.warn(
                    f"comment {cid} on {label}", "parent not imported: top level"
                )
        status = COMMENT_STATUS.get(row.get("wp:comment_approved"), "pending")
        body = comment_text(row.get("wp:comment_content", "")) or "(empty)"
        email = fit(Comment, "email", row.get("wp:comment_author_email", ""))
        comment = Comment(
            article=article,
            name=fit(Comment, "name", html.unescape(row.get("wp:comment_author", "")))
            or "Anonymous",
            email=email,
            body=body,
            status=status,
            rule=IMPORTED_RULE,
            ip=_ip(row.get("wp:comment_author_IP", "")),
            created_at=parse_gmt(row.get("wp:comment_date_gmt")) or article.created_at,
        )
        # Deeper threads than we show attach to the deepest level shown.
        comment.reply_to(parent, parent_of=lambda c: comments.get(c.parent_id))
        return comment

    def _import_comments(self, item, article, label, *, fresh=False):
        """Comments of one post; `fresh`: the post was just created, so none
        of its comments can exist yet."""
        rows = list(item.comments)
        real = []
        for row in rows:
            kind = row.get("wp:comment_type") or "comment"
            if kind in {"pingback", "trackback"}:
                self.report.count(kind + "s", "skipped")
                continue
            real.append(row)
        if not real:
            return
        existing = {}
        if not fresh:
            existing = {
                o.wp_id: o
                for o in ImportedObject.objects.filter(
                    source=self.source,
                    kind=Kind.COMMENT,
                    wp_id__in=[f"{item.id}:{r.get('wp:comment_id')}" for r in real],
                )
            }
        by_id = {r.get("wp:comment_id"): r for r in real}
        depth_of: dict[str, int] = {}

        def depth(cid, seen=()):
            if cid in depth_of:
                return depth_of[cid]
            parent = by_id.get(cid, {}).get("wp:comment_parent", "0")
            d = (
                0
                if parent in ("", "0") or parent not in by_id or cid in seen
                else (depth(parent, (*seen, cid)) + 1)
            )
            depth_of[cid] = d
            return d

        ordered = sorted(
            real,
            key=lambda r: (
                depth(r.get("wp:comment_id")),
                r.get("wp:comment_date_gmt", ""),
            ),
        )
        comment_ids: dict[str, int] = {
            o.wp_id.split(":", 1)[1]: o.object_id for o in existing.values()
        }
        comments: dict[int, Comment] = {}
        if comment_ids:
            comments = {
                c.pk: c for c in Comment.objects.filter(pk__in=comment_ids.values())
            }
        new_records = []
        by_depth: dict[int, list] = defaultdict(list)
        for row in ordered:
            by_depth[depth(row.get("wp:comment_id"))].append(row)
        # One INSERT per thread level: parents always exist before replies.
        for level in sorted(by_depth):
            pending = []
            for row in by_depth[level]:
                cid = row.get("wp:comment_id")
                key = f"{item.id}:{cid}"
                digest = checksum(row)
                record = existing.get(key)
                if (
                    record
                    and record.checksum == digest
                    and record.object_id in comments
                ):
                    self.report.count("comments", "unchanged")
                    continue
                comment = self._comment_from_row(
                    row, article, label, comments, comment_ids
                )
                old = comments.get(record.object_id) if record else None
                if old is not None:
                    comment.pk = old.pk
                    comment.save()
                    self._register(comment, cid, comments, comment_ids)
                    new_records.append((key, comment.pk, digest))
                    self.report.count("comments", "updated")
                else:
                    pending.append((cid, key, digest, comment))
            Comment.objects.bulk_create([c for *_, c in pending])
            for cid, key, digest, comment in pending:
                self._register(comment, cid, comments, comment_ids)
                new_records.append((key, comment.pk, digest))
            if pending:
                self.report.count("comments", "created", len(pending))
        ImportedObject.objects.bulk_create(
            [
                ImportedObject(
                    source=self.source,
                    kind=Kind.COMMENT,
                    wp_id=key,
                    object_id=pk,
                    checksum=digest,
                )
                for key, pk, digest in new_records
            ],
            update_conflicts=True,
            unique_fields=["source", "kind", "wp_id"],
            update_fields=["object_id", "checksum"],
        )


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def wordpress_import(
    *, path, media_dir=None, dry_run=False, default_author=None, progress=None
) -> Report:
    """Import a WXR file. Raises wxr.NotWXR when the file is not an export."""
    return Importer(
        path=path,
        media_dir=media_dir,
        dry_run=dry_run,
        default_author=default_author,
        progress=progress,
    ).run()
