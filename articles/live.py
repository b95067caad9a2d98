"""Live blogs: what a live story shows (`live_page`) and the services that
write its coverage and entries (the only writers of LiveEntry and of the
story's coverage times). Every change is audited and reaches readers through
the one invalidation point: the story's tag, carried by its page and by its
update resource (/live/<id>/), which open pages poll through the edge."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit
from .html import sanitize_html
from .models import Article, AuthorProfile, LiveEntry, can_publish

# Entries per page: the first page is what open pages refresh.
PAGE_SIZE = 20


@dataclass
class LivePage:
    entries: list
    pinned: LiveEntry | None
    older: int | None  # the cursor of the next, older page (an entry id)
    on: bool  # coverage running


def live_page(article: Article, before: int | None = None) -> LivePage:
    """The story's entries, newest first, PAGE_SIZE of them (older than the
    entry `before` when given: a cursor costs the same 800 entries in), and
    the pinned entry: two queries."""
    shown = (
        LiveEntry.objects.shown()
        .filter(article=article)
        .select_related("linked_article")
        .order_by("-pk")
    )
    page = shown.filter(pk__lt=before) if before else shown
    rows = list(page[: PAGE_SIZE + 1])
    pinned = shown.filter(pinned=True).first() if not before else None
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return LivePage(
        entries=rows[:PAGE_SIZE], pinned=pinned, older=older, on=article.is_live_now
    )


def may_run_coverage(user, article) -> bool:
    """Start or end a story's coverage: editors, and whoever may change it."""
    return (
        can_publish(user)
        or Article.objects.editable_by(user).filter(pk=article.pk).exists()
    )


def may_change_entry(user, entry) -> bool:
    return can_publish(user) or entry.author_id == user.pk


def _byline(user) -> str:
    profile = AuthorProfile.objects.filter(user=user).first()
    return profile.display_name if profile else (user.get_full_name() or "")


@transaction.atomic
def live_start(*, user, article: Article) -> None:
    if not may_run_coverage(user, article):
        raise PermissionDenied
    article.live_started_at = article.live_started_at or timezone.now()
    article.live_ended_at = None
    article.save(update_fields=["live_started_at", "live_ended_at", "updated_at"])
    audit.record(user, "live-start", article)


@transaction.atomic
def live_end(*, user, article: Article) -> None:
    """End the coverage in one action: open pages stop refreshing, the page
    says when it ended, and the JSON-LD carries the end time."""
    if not may_run_coverage(user, article):
        raise PermissionDenied
    if article.is_live_now:
        article.live_ended_at = timezone.now()
        article.save(update_fields=["live_ended_at", "updated_at"])
        audit.record(user, "live-end", article)


def _clean(body: str) -> str:
    body = sanitize_html(body)
    if not body:
        raise ValidationError({"body": "Write the update first."})
    return body


@transaction.atomic
def live_post(*, user, article: Article, body: str, linked_article=None) -> LiveEntry:
    if not article.is_live_now:
        raise ValidationError("The live coverage of this story is not running.")
    entry = LiveEntry.objects.create(
        article=article,
        body=_clean(body),
        linked_article=linked_article,
        author=user,
        byline=_byline(user),
    )
    audit.record(user, "live-post", article, f"Entry {entry.pk}")
    return entry


@transaction.atomic
def live_edit(*, user, entry: LiveEntry, body: str, linked_article=None) -> None:
    if not may_change_entry(user, entry):
        raise PermissionDenied
    entry.body = _clean(body)
    entry.linked_article = linked_article
    entry.edited_at = timezone.now()
    entry.save()
    audit.record(user, "live-edit", entry.article, f"Entry {entry.pk}")


@transaction.atomic
def live_delete(*, user, entry: LiveEntry) -> None:
    """Taken off the page (kept for the record)."""
    if not may_change_entry(user, entry):
        raise PermissionDenied
    entry.deleted_at = timezone.now()
    entry.pinned = False
    entry.save(update_fields=["deleted_at", "pinned"])
    audit.record(user, "live-delete", entry.article, f"Entry {entry.pk}")


@transaction.atomic
def live_pin(*, user, entry: LiveEntry, pinned: bool = True) -> None:
    """Editors pin one key entry above the others (pinning another unpins it)."""
    if not can_publish(user):
        raise PermissionDenied
    if pinned:
        for other in LiveEntry.objects.filter(article=entry.article_id, pinned=True):
            other.pinned = False
            other.save(update_fields=["pinned"])
    entry.pinned = pinned
    entry.save(update_fields=["pinned"])
    audit.record(
        user, "live-pin" if pinned else "live-unpin", entry.article, f"Entry {entry.pk}"
    )
