"""Writes with side effects for articles. Views, admin and commands call these."""

import difflib
import re
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from caching.invalidation import invalidate
from infra import events

from . import audit, workflow
from .html import html_to_text
from .invalidation import article_tags
from .models import (
    SECTION_TO_PUBLISH,
    Article,
    ArticleAuthor,
    ArticleDraftCopy,
    ArticleLock,
    ArticleRevision,
    AuthorProfile,
    Correction,
    LibraryImage,
    Section,
    Tag,
    can_publish,
    make_slug,
    unique_slug,
)
from .tasks import make_author_photo, make_featured_renditions

REVISION_FIELDS = [
    "title",
    "slug",
    "standfirst",
    "body",
    "featured_image_alt",
    "featured_image_caption",
    "featured_image_credit",
    "source_name",
    "source_url",
    "status",
    "comments_open",
]


def article_set_status(
    *, article: Article, user, status: str, at: datetime | None = None
) -> None:
    """The publishing rule (articles/workflow.py), applied to `article`
    before it is saved, by the admin form and the services below alike: the
    stored story's state decides which statuses `user` may give it (only
    editors publish, schedule or take a published story off). Published with
    no time means now. Raises PermissionDenied; ValidationError for a story
    with no section made published."""
    state = workflow.stored_state(article)
    if not workflow.may_set(user, state, status):
        if not can_publish(user):
            raise PermissionDenied("Only editors can publish, schedule or unpublish.")
        label = Article.Status(status).label
        now = workflow.STATE_LABELS[state]
        raise PermissionDenied(f"This story is {now}: it cannot be made “{label}”.")
    if status == Article.Status.PUBLISHED and article.section_id is None:
        raise ValidationError({"section": SECTION_TO_PUBLISH})
    article.status = status
    if status == Article.Status.PUBLISHED:
        article.published_at = at or timezone.now()


def article_publish(*, article: Article, user, at: datetime | None = None) -> Article:
    """Publish `article` now, or schedule it for `at` (a future time)."""
    with transaction.atomic():
        article_set_status(
            article=article, user=user, status=Article.Status.PUBLISHED, at=at
        )
        article.save()
        article_record_revision(article=article, user=user)
    return article


def article_move(*, article: Article, user, status: str) -> Article:
    """Give `article` the status `status` as a step of the workflow (only
    its status changes), recorded as a version."""
    with transaction.atomic():
        article_set_status(article=article, user=user, status=status)
        article.save()
        article_record_revision(article=article, user=user)
    return article


def article_unpublish(*, article: Article, user) -> Article:
    """Take `article` off the site (back to draft); its address is kept."""
    return article_move(article=article, user=user, status=Article.Status.DRAFT)


def article_refresh_renditions(*, article: Article, user=None) -> None:
    """After an upload (or a removal) of a featured image: the picture joins
    the library (or is found there: the same bytes uploaded before) and the
    story shows its renditions; a worker makes any that do not exist yet.
    Until they exist the page shows a placeholder of the image's size, never
    the upload itself."""
    from .library import featured_from_item, library_capture

    if not article.featured_image:
        article.featured_item = None
        article.featured_image_renditions = {}
    else:
        item = article.featured_item
        if item is None or item.file.name != article.featured_image.name:
            item = library_capture(
                field_file=article.featured_image,
                user=user or article.created_by,
                title=article.featured_image_caption or article.title,
                alt=article.featured_image_alt,
                caption=article.featured_image_caption,
                credit=article.featured_image_credit,
            )
        featured_from_item(article=article, item=item)
    article.image_keys = article.compute_image_keys()
    Article.objects.filter(pk=article.pk).update(
        featured_item=article.featured_item,
        featured_image=article.featured_image.name or "",
        featured_image_renditions=article.featured_image_renditions,
        featured_image_width=article.featured_image_width,
        featured_image_height=article.featured_image_height,
        image_keys=article.image_keys,
    )
    invalidate(*article_tags(article.pk))
    if article.featured_image and not article.featured_image_renditions.get("crops"):
        # With the database backend the job is a row of this transaction:
        # it exists exactly when the upload is saved.
        make_featured_renditions.enqueue(article.pk, article.featured_image.name)


def author_refresh_photo(*, profile: AuthorProfile) -> None:
    """After a new photo (or its removal): the photo joins the library and
    the public square is made again by a worker; until then the author box
    shows no photo, never the upload itself. The old square stays (another
    profile may share it)."""
    from .library import library_capture

    item = None
    if profile.photo:
        item = library_capture(
            field_file=profile.photo,
            user=profile.user,
            title=profile.display_name,
            alt=profile.display_name,
            licence=LibraryImage.Licence.OWN,
        )
        profile.photo = item.file.name
    profile.photo_item = item
    profile.photo_rendition = ""
    AuthorProfile.objects.filter(pk=profile.pk).update(
        photo_rendition="", photo_item=item, photo=profile.photo.name or ""
    )
    invalidate("site")
    if profile.photo:
        make_author_photo.enqueue(profile.pk, profile.photo.name)


def _snapshot(article: Article) -> dict:
    data = {name: getattr(article, name) for name in REVISION_FIELDS}
    data["published_at"] = (
        article.published_at.isoformat() if article.published_at else None
    )
    data["section_id"] = article.section_id
    data["tag_ids"] = sorted(article.tags.values_list("pk", flat=True))
    data["author_ids"] = list(
        article.bylines.order_by("position", "pk").values_list("author_id", flat=True)
    )
    data["featured_image"] = article.featured_image.name or ""
    return data


def article_record_revision(*, article: Article, user) -> ArticleRevision | None:
    """Keep a version of `article` as it is now; skipped when nothing changed."""
    data = _snapshot(article)
    latest = article.revisions.order_by("-created_at", "-pk").first()
    if latest is not None and latest.data == data:
        return None
    before = latest.data if latest else {}
    action = workflow.audit_action(before, data)
    if action:
        audit.record(
            user, action, article, status=data["status"], at=data["published_at"]
        )
    _announce(article, action, before)
    return ArticleRevision.objects.create(article=article, created_by=user, data=data)


def _was_public(data: dict) -> bool:
    at = data.get("published_at")
    return (
        data.get("status") == Article.Status.PUBLISHED
        and at is not None
        and datetime.fromisoformat(at) <= timezone.now()
    )


def _announce(article: Article, action: str | None, before: dict) -> None:
    """The event a new version is, for those listening (webhooks)."""
    if action in ("publish", "schedule"):
        at = article.published_at if action == "schedule" else None
        events.emit("story.published", [article.pk], at=at)
    elif action == "unpublish":
        if _was_public(before):
            events.emit("story.unpublished", [article.pk])
    elif article.is_published:
        events.emit("story.updated", [article.pk])


# How a revision's stored field is shown: its label, and ids as names.
_REVISION_LABELS = {
    "section_id": "Section",
    "tag_ids": "Tags",
    "author_ids": "Byline",
    "featured_image": "Featured image",
    "published_at": "Publication time",
}


def shown_value(value) -> str:
    """A plain value as people read it: "—" for nothing, yes/no."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _revision_value(name: str, value):
    if value in (None, "", []):
        return "—"
    if name == "section_id":
        section = Section.objects.filter(pk=value).first()
        return section.name if section else f"(deleted section {value})"
    if name == "tag_ids":
        names = dict(Tag.objects.filter(pk__in=value).values_list("pk", "name"))
        return ", ".join(names.get(pk, f"(deleted tag {pk})") for pk in value)
    if name == "status":
        try:
            return str(Article.Status(value).label)
        except ValueError:
            return shown_value(value)
    if name == "author_ids":
        names = dict(
            AuthorProfile.objects.filter(pk__in=value).values_list("pk", "display_name")
        )
        return ", ".join(names.get(pk, f"(deleted author {pk})") for pk in value)
    return shown_value(value)


# Words, and an image's line (html_to_text with images) as one word.
_WORDS = re.compile(r"\[Image: [^\]\n]*\]|\S+")


def word_diff(old: str, new: str) -> str:
    """`old` → `new` word by word, as HTML: deleted words in <del>, inserted
    ones in <ins>, the rest as it was (everything escaped)."""
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", " ".join(before[a1:a2])))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", " ".join(after[b1:b2])))
    return mark_safe(" ".join(parts))


def revision_changes(*, old: ArticleRevision, new: ArticleRevision) -> list[dict]:
    """Fields that differ between two revisions, for people: [{field, old,
    new, diff}] with labels and names instead of ids; text fields (the body
    read as text) also get a word-level `diff`."""
    names = {**old.data, **new.data}.keys()
    changes = []
    for name in names:
        before, after = old.data.get(name), new.data.get(name)
        if before == after:
            continue
        label = (
            _REVISION_LABELS.get(name)
            or Article._meta.get_field(name).verbose_name.capitalize()
        )
        change = {
            "field": label,
            "old": _revision_value(name, before),
            "new": _revision_value(name, after),
            "diff": None,
        }
        if name == "body":
            change["old"] = html_to_text(before or "", images=True)
            change["new"] = html_to_text(after or "", images=True)
        if name in {"body", "title", "standfirst", "featured_image_caption"}:
            change["diff"] = word_diff(change["old"], change["new"])
        changes.append(change)
    return changes


def article_restore_revision(*, revision: ArticleRevision, user) -> Article:
    """Put `revision`'s content back on its article and record that as a version.

    Status and publication time are restored only where the workflow lets
    `user` set them on the story as it is now.
    """
    article = revision.article
    data = revision.data
    state = workflow.stored_state(article)
    with transaction.atomic():
        for name in REVISION_FIELDS:
            if name == "status" and not workflow.may_set(user, state, data.get(name)):
                continue
            if name in data:
                setattr(article, name, data[name])
        if workflow.may_set_time(user, state) and "published_at" in data:
            article.published_at = (
                datetime.fromisoformat(data["published_at"])
                if data["published_at"]
                else None
            )
        article.section_id = data.get("section_id", article.section_id)
        article.save()
        article.tags.set(Tag.objects.filter(pk__in=data.get("tag_ids", [])))
        article_set_authors(
            article=article,
            authors=list(
                AuthorProfile.objects.in_bulk(data.get("author_ids", [])).values()
            ),
            order=data.get("author_ids", []),
        )
        audit.record(user, "restore", article, revision=revision.pk)
        article_record_revision(article=article, user=user)
    return article


# What a tool outside the admin (the content API, a wire feed) may set on a
# story: the form's words; pictures and the workflow are separate steps.
WRITABLE_FIELDS = (
    "title",
    "slug",
    "standfirst",
    "body",
    "source_name",
    "source_url",
    "language",
    "comments_open",
)


def tags_named(names: list[str]) -> list[Tag]:
    """The tags with these names, made where missing (as journalists may
    add tags in the admin), in the given order, each once."""
    found: dict[str, Tag] = {}
    for name in names:
        name = " ".join(name.split())[: Tag._meta.get_field("name").max_length]
        if not name or name.casefold() in found:
            continue
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag(name=name, slug=unique_slug(Tag, name, max_length=80))
            tag.full_clean()
            tag.save()
        found[name.casefold()] = tag
    return list(found.values())


def article_write(
    *,
    article: Article,
    user,
    fields: dict,
    section=None,
    tags: list[str] | None = None,
    authors: list | None = None,
    status: str | None = None,
    at: datetime | None = None,
    via: str = "",
) -> Article:
    """Create (`article` unsaved) or change a story from outside the admin
    form, under the form's rules: only stories `user` may edit, the
    publishing rule for `status`, the model's validation (ValidationError
    by field), the sanitizer (on save), a version, an audit entry saying
    `via` what (an API key), and the one invalidation point (the save's
    signal). `section` None keeps it; tags and authors None keep theirs."""
    creating = article.pk is None
    if not creating and not Article.objects.editable_by(user).filter(pk=article.pk):
        raise PermissionDenied("This key may not change this story.")
    for name, value in fields.items():
        if name not in WRITABLE_FIELDS:
            raise ValueError(f"{name} is not writable here")
        setattr(article, name, value)
    if section is not None:
        article.section = section
    if creating:
        article.created_by = user
        article.status = Article.Status.DRAFT
    if status is not None and (status != article.status or at is not None):
        article_set_status(article=article, user=user, status=status, at=at)
    if not article.slug:
        article.slug = make_slug(article.title, 200) or "article"
    article.full_clean(exclude=["featured_image", "featured_item", "created_by"])
    with transaction.atomic():
        article.save()
        if tags is not None:
            article.tags.set(tags_named(tags))
        if authors is not None:
            article_set_authors(article=article, authors=authors)
        elif creating:
            profile = AuthorProfile.objects.filter(user=user).first()
            if profile is not None:
                article_set_authors(article=article, authors=[profile])
        article_record_revision(article=article, user=user)
        audit.record(user, "create" if creating else "edit", article, via=via)
    return article


def article_set_authors(*, article: Article, authors: list, order=None) -> None:
    """Replace the byline with `authors`, in the given order."""
    if order is not None:
        by_id = {a.pk: a for a in authors}
        authors = [by_id[pk] for pk in order if pk in by_id]
    ArticleAuthor.objects.filter(article=article).delete()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=i)
        for i, author in enumerate(authors)
    )
    invalidate(*article_tags(article.pk))  # bulk_create sends no signal


def article_lock(*, article: Article, user, take_over: bool = False):
    """Take or renew the edit lock of `article` for `user`. Returns the lock
    as it stands: held by `user`, or by someone else whose lock is fresh
    (unless `take_over`, which takes it from them)."""
    now = timezone.now()
    with transaction.atomic():
        lock, created = ArticleLock.objects.select_for_update().get_or_create(
            article=article, defaults={"user": user, "since": now, "seen_at": now}
        )
        if created:
            return lock
        if lock.user_id == user.pk:
            lock.seen_at = now
            lock.save(update_fields=["seen_at"])
        elif take_over or not lock.is_fresh(now):
            lock.user, lock.since, lock.seen_at = user, now, now
            lock.save()
        return lock


def article_unlock(*, article: Article, user) -> None:
    """Release `user`'s edit lock on `article` (someone else's stays)."""
    ArticleLock.objects.filter(article=article, user=user).delete()


def draft_copy_save(*, user, article: Article | None, data: dict) -> ArticleDraftCopy:
    """Keep `user`'s unsaved form values for `article` (None: a new one)."""
    copy, _ = ArticleDraftCopy.objects.update_or_create(
        user=user, article=article, defaults={"data": data, "saved_at": timezone.now()}
    )
    return copy


def draft_copy_for(*, user, article: Article | None) -> ArticleDraftCopy | None:
    """`user`'s unsaved changes of `article` still newer than what is stored."""
    copy = ArticleDraftCopy.objects.filter(user=user, article=article).first()
    if copy is not None and article is not None and copy.saved_at <= article.updated_at:
        return None  # saved since (by them or someone else): nothing to offer
    return copy


def draft_copy_discard(*, user, article: Article | None) -> None:
    ArticleDraftCopy.objects.filter(user=user, article=article).delete()


def article_correct(*, revision: ArticleRevision, note: str, user) -> Correction:
    """Mark `revision` as a correction of its (published) article, with the
    note readers see. Editors only."""
    if not can_publish(user):
        raise PermissionDenied("Only editors can publish corrections.")
    note = note.strip()
    if not note:
        raise ValueError("A correction needs a note for readers.")
    with transaction.atomic():
        correction, _ = Correction.objects.update_or_create(
            revision=revision,
            defaults={"article": revision.article, "note": note, "created_by": user},
        )
        audit.record(user, "correct", revision.article, note=note)
        events.emit("story.corrected", [revision.article_id], note=note)
    return correction
