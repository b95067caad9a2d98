"""The WordPress import, second part: posts, their featured images,
source credits and old links."""

import html
import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.text import slugify

from articles.front import front_place
from articles.images import body_rendition
from articles.invalidation import article_tags
from articles.library import featured_from_item, library_image_ready
from articles.models import (
    Article,
    ArticleAuthor,
    FrontSlot,
    Section,
    fit,
    language_code,
    make_slug,
    unique_slug,
)
from articles.services import article_refresh_renditions, article_set_authors
from articles.validators import validate_image, web_url_or_blank
from caching.invalidation import invalidate

from . import wxr
from .content import post_body, wordpress_slug
from .models import ImportedObject, LegacyRedirect
from .phpserial import PHPSerializeError
from .phpserial import loads as php_loads
from .report import Report
from .terms import author_profile
from .wxr import checksum, parse_gmt

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


# A resized copy WordPress made of an upload: "photo-1024x683.jpg".
_SIZED = re.compile(r"^(.*)-\d+x\d+(\.\w+)$")
_CREDIT_IN_CAPTION = re.compile(
    r"(?:^|[\s(\[|/–—-])(?:(?:photo|foto|image|imagem|imagen|credit|crédito|"
    r"créditos|source|fonte|fuente)(?:\s*[:：]|\s+(?:by|de|por)\b)|©)"
    r"\s*([^()\[\]|:]{2,120}?)\s*[)\]]?\s*$",
    re.I,
)


def attachment_credit(metadata: str, caption: str) -> str:
    """Who a WordPress picture is by: its metadata's credit (or copyright),
    read from the camera or typed in WordPress, else the end of its caption
    ("… Photo: Ana Ruiz/Reuters", "(Foto: Divulgação)", "© NASA")."""
    try:
        meta = php_loads(metadata) if metadata else {}
    except (PHPSerializeError, ValueError):
        meta = {}
    image_meta = meta.get("image_meta") if isinstance(meta, dict) else None
    if isinstance(image_meta, dict):
        for key in ("credit", "copyright"):
            value = str(image_meta.get(key) or "").strip()
            if value:
                return value[:120]
    found = _CREDIT_IN_CAPTION.search(html.unescape(caption or "").strip())
    return found[1].strip() if found else ""


def _path(url: str) -> str:
    """An old link's path (and query), decoded as Django decodes a request's
    path, so "/%d8%a7…/" and "/%D8%A7…/" both find it."""
    parts = urlsplit(url)
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


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
    if url and not web_url_or_blank(url):
        report.warn(item, f"source link {url[:80]!r} is not a web address: dropped")
        url = ""
    return fit(Article, "source_name", html.unescape(name)), fit(
        Article, "source_url", url
    )


class PostImport:
    """Posts into articles; mixed into the Importer (wpimport.services)."""

    def _section_for(self, item, label):
        for domain, nicename, name in item.categories:
            if domain == "category":
                section = self.sections.get(
                    wordpress_slug(nicename, 80)
                ) or self.sections.get(f"name:{name}")
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
            user = get_user_model().objects.filter(username=self.default_author).first()
            profile = author_profile(user, "") if user is not None else None
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
                    moved = self._repair_mangled_slug(item, article)
                    self.report.count("articles", "updated" if moved else "unchanged")
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

    def _repair_mangled_slug(self, item, article) -> bool:
        """Importers before 2026-12 turned a percent-encoded WordPress slug
        into a hex string ("%d8%a7…" became "d8a7…"): move such an article
        to WordPress's own address, even when the item is unchanged. Only a
        slug exactly as they made it is touched (an editor's choice stays)."""
        name = item.get("wp:post_name") or ""
        proper = wordpress_slug(name, 200)
        if "%" not in name or not proper or article.slug != slugify(name)[:200]:
            return False
        old_path = _published_path(article)
        scope = {"pub_date": article.pub_date} if article.pub_date else {"pk__in": []}
        article.slug = unique_slug(
            Article, proper, instance=article, max_length=200, **scope
        )
        article.save(update_fields=["slug"])
        _keep_old_address(article, old_path)
        return True

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
        old_path = _published_path(article)
        title = html.unescape(item.get("title")).strip() or f"Untitled {item.id}"
        source_name, source_url = source_credit(
            item.meta, item=label, report=self.report
        )
        created = article is None
        article = article or Article()
        # The site's language from the export (WordPress writes one for all
        # posts); unknown or absent: the article keeps its own.
        article.language = language_code(self.site.get("language")) or article.language
        article.title = fit(Article, "title", title)
        standfirst = html.unescape(item.get("excerpt:encoded")).strip()
        article.standfirst = fit(Article, "standfirst", standfirst)
        article.body = self._rewrite_uploads(
            post_body(item.get("content:encoded")), label
        )
        article.status = status
        article.published_at = published_at
        article.section = self._section_for(item, label)
        article.source_name = source_name
        article.source_url = source_url
        article.comments_open = item.get("wp:comment_status", "open") == "open"
        # WordPress's own slug, decoded from the export's percent-encoding
        # (an Arabic or Chinese slug stays readable, and the address the same).
        slug = wordpress_slug(item.get("wp:post_name"), 200) or make_slug(title, 200)
        scope = {"pub_date": published_at.date()} if published_at else {"pk__in": []}
        article.slug = unique_slug(
            Article, slug or "article", instance=article, max_length=200, **scope
        )
        author = self._author_for(item, label)
        if created and author is not None:
            article.created_by = author.user
        article.save()
        slugs = [
            wordpress_slug(nicename, 80)
            for domain, nicename, _ in item.categories
            if domain == "post_tag"
        ]
        tags = [self.tags[slug] for slug in slugs if slug in self.tags]
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
        if (
            item.get("wp:is_sticky") == "1"
            and article.status == Article.Status.PUBLISHED
        ):
            # WordPress's sticky posts head its home page: top stories here
            # (placed once; an editor arranges them on the Front page).
            front_place(user=None, kind=FrontSlot.Kind.TOP, article=article)
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
        _keep_old_address(article, old_path)
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
        picture = None
        if not self.report.dry_run:
            picture = self._library_item(path, attachment, label)
            if picture is None:
                return  # no picture the site accepts: imported without it
        alt = attachment["alt"] or article.title
        article.featured_image_alt = fit(Article, "featured_image_alt", alt)
        caption = attachment["caption"]
        article.featured_image_caption = fit(Article, "featured_image_caption", caption)
        if self.report.dry_run:
            return
        featured_from_item(article=article, item=picture)
        article.featured_image_credit = fit(
            Article, "featured_image_credit", picture.credit_line
        )
        article.save()
        article_refresh_renditions(article=article)
        if not attachment["alt"]:
            self.report.warn(label, "featured image has no alt text: title used")

    def _library_item(self, path: Path, attachment: dict | None, label: str):
        """The media library's item for an old upload (found by its bytes
        if already there: an import run again adds nothing), with the
        attachment's title, alt text, caption and credit; its renditions
        made now, since the body names them. None, with a warning, for a
        file that is no picture the site accepts (checked as an upload)."""
        attachment = attachment or {}
        with path.open("rb") as handle:
            try:
                validate_image(File(handle, name=path.name))
            except ValidationError as refused:
                self.report.warn(
                    label, f"{path.name}: {' '.join(refused.messages)} Left out."
                )
                return None
            item, created = library_image_ready(
                file=File(handle, name=path.name),
                user=None,
                title=attachment.get("title") or path.stem,
                alt=attachment.get("alt", ""),
                caption=attachment.get("caption", ""),
                credit=attachment.get("credit", ""),
            )
        if created:
            self.report.count("library pictures", "created")
        return item

    def _attachment_for(self, relative: str) -> tuple[Path | None, dict | None]:
        """An old upload's file and attachment: a resized copy ("photo-
        1024x683.jpg") stands for its original ("photo.jpg"), whose file is
        used when the media hold it."""
        if not hasattr(self, "_by_file"):
            self._by_file = {a["file"]: a for a in self.attachments.values()}
        original = _SIZED.sub(r"\1\2", relative)
        attachment = self._by_file.get(original) or self._by_file.get(relative)
        path = self._media_file(original) or self._media_file(relative)
        return path, attachment

    def _rewrite_uploads(self, body: str, label: str) -> str:
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
            path, attachment = self._attachment_for(relative)
            if path is not None and not self.report.dry_run:
                # Into the media library: the body shows its rendition
                # (re-encoded: no EXIF or GPS), so "used in", the rights
                # checks and the refusal to delete a used picture see it.
                item = self._library_item(path, attachment, label)
                shown = item and body_rendition(item.renditions)
                if shown:
                    body = body[:index] + shown[0] + body[end:]
            start = index + 1
        return body


def _published_path(article) -> str | None:
    """The article's current address (decoded), if it has one yet."""
    if article is None or not article.pk or not article.pub_date:
        return None
    return unquote(article.get_absolute_url())


def _keep_old_address(article, old_path: str | None) -> None:
    """An import moved `article`: its former address answers 301 to the new
    one (wpimport.middleware), as WordPress's own old links do."""
    if old_path and old_path != _published_path(article):
        LegacyRedirect.objects.update_or_create(
            old_path=fit(LegacyRedirect, "old_path", old_path),
            defaults={"article": article},
        )
