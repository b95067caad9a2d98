"""The media library's services: the only writers of LibraryImage, and the
readers the admin shows ("used in", rights). Renditions are made by the
workers (articles.tasks.make_library_renditions); a change reaches readers
through the one invalidation point."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from . import audit
from .images import content_key, delete_renditions, read_bytes
from .models import Article, AuthorProfile, LibraryImage
from .models.common import fit
from .tasks import make_library_renditions


class ImageInUse(ValidationError):
    """Deleting a picture that a story or an author shows."""


@dataclass
class Uses:
    """Where a picture is used, as `user` may know it."""

    articles: list[Article]
    authors: list[AuthorProfile]

    def __bool__(self):
        return bool(self.articles or self.authors)


def find_duplicate(data: bytes) -> LibraryImage | None:
    """The item holding the same bytes, if any (a re-upload)."""
    return LibraryImage.objects.filter(key=content_key(data)).first()


def _title_from(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip() or "Untitled picture"


def _words(fields: dict, file_name: str) -> dict:
    """A new item's fields, its words cut to their columns, titled after
    its file when no title is given."""
    fields.setdefault("title", _title_from(file_name))
    for name in ("title", "alt", "caption", "credit", "source"):
        if name in fields:
            fields[name] = fit(LibraryImage, name, fields[name] or "")
    return fields


def library_image_create(
    *, file, user, data: bytes | None = None, queue: bool = True, **fields
) -> tuple[LibraryImage, bool]:
    """A library item for an uploaded `file` (checked by the form): the
    existing item when the same bytes are already in the library (nothing
    stored twice), else a new one, its renditions queued for a worker
    (unless `queue` is False: the caller makes them). Returns (item,
    created)."""
    if data is None:
        file.seek(0)
        data = file.read()
        file.seek(0)
    existing = find_duplicate(data)
    if existing is not None:
        return existing, False
    item = LibraryImage(
        key=content_key(data),
        uploaded_by=_user(user),
        file_size=len(data),
        **_words(fields, getattr(file, "name", "")),
    )
    item.file.save(getattr(file, "name", "") or "image", file, save=False)
    with transaction.atomic():
        item.save()
        audit.record(user, "library-add", item)
        if queue:
            _queue_renditions(item)
    return item, True


def library_image_ready(*, file, user, **fields) -> tuple[LibraryImage, bool]:
    """library_image_create, its renditions made in this process rather than
    by a worker (for callers that need the body's address now: the body
    upload, the importers). Returns (item, created)."""
    item, created = library_image_create(file=file, user=user, queue=False, **fields)
    if not (item.renditions or {}).get("crops"):
        make_library_renditions.call(item.key)
        item.refresh_from_db(fields=["renditions"])
    return item, created


def library_capture(*, field_file, user, **fields) -> LibraryImage:
    """The library item for a file already stored (a featured image or an
    author photo saved with its form, an import): the existing item when
    its bytes are in the library (the new copy is then deleted: one
    original per picture), else a new item that takes the file over."""
    data = read_bytes(field_file)
    existing = find_duplicate(data)
    if existing is not None:
        if field_file.name != existing.file.name:
            name = field_file.name
            transaction.on_commit(lambda: default_storage.delete(name))
        return existing
    item = LibraryImage(
        key=content_key(data),
        file=field_file.name,
        file_size=len(data),
        uploaded_by=_user(user),
        **_words(fields, field_file.name),
    )
    item.file.field.update_dimension_fields(item, force=True)
    item.save()
    audit.record(user, "library-add", item)
    return item


def _user(user):
    return user if getattr(user, "pk", None) else None


def _queue_renditions(item: LibraryImage) -> None:
    # With the database backend the job is a row of this transaction: it
    # exists exactly when the item is saved.
    make_library_renditions.enqueue(item.key)


def library_image_save(
    *, item: LibraryImage, user, changed=(), created: bool = False
) -> LibraryImage:
    """Save `item` as added or edited in the library. A new item's
    renditions, and a new focal point's crops, are made by a worker (the
    stories showing them change once they exist: the worker passes them to
    the invalidation point)."""
    with transaction.atomic():
        item.save()
        if created:
            audit.record(user, "library-add", item)
        else:
            audit.record(user, "library-change", item, fields=sorted(changed))
        if created or {"focal_x", "focal_y"} & set(changed):
            _queue_renditions(item)
    return item


def library_uses(*, item: LibraryImage, user=None) -> Uses:
    """The stories (as `user` may open them; every one without a user) and
    author profiles showing `item`."""
    articles = Article.objects.filter(image_keys__contains=[item.key])
    if user is not None:
        articles = articles.openable_by(user)
    return Uses(
        articles=list(
            articles.only(
                "pk", "title", "status", "published_at", "pub_date", "slug"
            ).order_by("-published_at", "-pk")
        ),
        authors=list(
            AuthorProfile.objects.filter(photo_item=item.key).only(
                "pk", "display_name", "slug"
            )
        ),
    )


def library_image_delete(*, item: LibraryImage, user) -> None:
    """Delete `item`, its original and its renditions; refused (ImageInUse,
    naming the stories) while any story or author shows it."""
    uses = library_uses(item=item)
    if uses:
        names = [f"“{a.title}”" for a in uses.articles] + [
            f"the author {p.display_name}" for p in uses.authors
        ]
        raise ImageInUse(
            f"“{item.title}” is used by {', '.join(names)}: take it out of there first."
        )
    renditions, name = item.renditions, item.file.name
    with transaction.atomic():
        audit.record(user, "library-delete", item)
        item.delete()

        def remove():
            delete_renditions(renditions)
            default_storage.delete(name)

        transaction.on_commit(remove)


def featured_from_item(*, article: Article, item: LibraryImage) -> None:
    """Point `article`'s featured image at `item` (not saved): its file,
    size and renditions; alt text, caption and credit from the item where
    the story has none of its own (each story may word them its own way)."""
    article.featured_item = item
    article.featured_image = item.file.name
    article.featured_image_width = item.width
    article.featured_image_height = item.height
    article.featured_image_renditions = item.renditions or {}
    if not article.featured_image_alt:
        article.featured_image_alt = item.alt
    if not article.featured_image_caption:
        article.featured_image_caption = item.caption
    if not article.featured_image_credit:
        article.featured_image_credit = fit(
            Article, "featured_image_credit", item.credit_line
        )


def stories_with_expired_images(on: datetime.date | None = None):
    """Published stories that still show a picture whose licence has run out
    by `on` (today): the daily rights report."""
    return Article.objects.published().showing_expired_pictures(on)


def expired_images_of(article: Article) -> list[LibraryImage]:
    """The pictures `article` shows whose licence has run out."""
    if not article.image_keys:
        return []
    return list(LibraryImage.objects.expired().filter(key__in=article.image_keys))


def library_search(queryset, query: str):
    """`queryset` narrowed by the library's search: the full-text search of
    title, tags, caption, credit and source, or the start of a title."""
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.matching(query, or_title_starting=True)
