"""The comment counts on the listing cards ("12 comments", Article.comment_count).

A comment changes its own article's page at once (the thread). The listings
(home, section, tag, author pages) show only a count, which may lag: a
recount every minute (the desk tick; a comment post asks for one too, at
most once a minute per process, so a site without the scheduler keeps
up) writes the changed counts without touching the article's cache, and
at most every COUNTS_REFRESH_SECONDS tells the listings (their own tag,
COMMENT_COUNTS_TAG, through the one invalidation point, edge included).
So the count on a card is at most about 4 minutes behind (a refresh
interval plus a tick), and a burst of comments empties no listing: they
are dropped once per interval at most, whatever the rate of comments.
"""

import threading
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from articles.invalidation import COMMENT_COUNTS_TAG
from articles.models import Article
from caching.invalidation import invalidate

from .models import Comment, CommentDecision

# The listings are told of changed counts at most this often.
COUNTS_REFRESH_SECONDS = 180
# A recount reads the decisions made since the previous one, less this
# margin (a decision's transaction may commit a moment after its time).
MARGIN = timedelta(seconds=60)

SINCE_KEY = "comments:counts-since"  # when the previous recount began
PENDING_KEY = "comments:counts-pending"  # counts changed, listings not told
TOLD_KEY = "comments:counts-told"  # when the listings were last told
DUE_KEY = "comments:counts-due"  # a post asked for a recount this minute


def _recount(article_ids=None) -> int:
    """Write the published-comment count of each of `article_ids` (None:
    every article) whose stored count differs; returns how many changed,
    and marks the listings to be told when any did. A bulk update: no save
    signal, so the article's own cache is not touched."""
    comments = Comment.objects.approved().order_by()
    articles = Article.objects.order_by()
    if article_ids is not None:
        ids = set(article_ids)
        if not ids:
            return 0
        comments = comments.filter(article_id__in=ids)
        articles = articles.filter(pk__in=ids)
    counts = dict(comments.values_list("article_id").annotate(n=Count("pk")))
    changed = [
        Article(pk=pk, comment_count=counts.get(pk, 0))
        for pk, count in articles.values_list("pk", "comment_count").iterator()
        if counts.get(pk, 0) != count
    ]
    Article.objects.bulk_update(changed, ["comment_count"], batch_size=1000)
    if changed:
        cache.set(PENDING_KEY, True, None)  # the listings are to be told
    return len(changed)


def comment_counts_refresh(*, full: bool = False, now=None) -> int:
    """Recount the articles whose comments were decided (posted, approved,
    held, removed) or which were saved since the previous recount (a save
    from a form loaded earlier wrote its old count back); every article when
    `full` or when the previous recount is not known. Tells the listings
    if counts changed and the last telling is COUNTS_REFRESH_SECONDS old.
    Returns how many counts changed."""
    now = now or timezone.now()
    since = cache.get(SINCE_KEY)
    ids = None
    if not full and since is not None:
        start = since - MARGIN
        decided = CommentDecision.objects.filter(created_at__gte=start).order_by()
        articles = decided.values_list("comment__article_id", flat=True).distinct()
        ids = set(articles) | set(
            Article.objects.filter(updated_at__gte=start)
            .order_by()
            .values_list("pk", flat=True)
        )
    changed = _recount(ids)
    cache.set(SINCE_KEY, now, None)
    comment_counts_tell(now=now)
    return changed


def comment_counts_tell(*, now=None) -> bool:
    """Tell the listings of changed counts (their tag), unless they were
    told less than COUNTS_REFRESH_SECONDS ago."""
    now = now or timezone.now()
    if not cache.get(PENDING_KEY):
        return False
    told = cache.get(TOLD_KEY)
    if told and (now - told).total_seconds() < COUNTS_REFRESH_SECONDS:
        return False
    cache.set(TOLD_KEY, now, None)
    cache.delete(PENDING_KEY)
    invalidate(COMMENT_COUNTS_TAG)
    return True


# Stories whose published comments were deleted in this thread's
# transaction, recounted once when it commits.
_deleted = threading.local()


def comment_deleted_recount(*, article_id: int) -> None:
    """A published comment deleted: its decisions go with it, so the
    minute's recount would not see it. Its story is recounted when the
    transaction commits, once however many comments it deleted (a
    moderator deleting 10,000 spam replies: one recount, not 10,000)."""
    ids = getattr(_deleted, "ids", None)
    if ids is None:
        ids = _deleted.ids = set()
    ids.add(article_id)
    transaction.on_commit(_recount_deleted)


def _recount_deleted() -> None:
    ids = getattr(_deleted, "ids", None)
    if not ids:
        return
    _deleted.ids = None
    _recount(ids)


_next_ask = {"at": 0.0}


def comment_counts_due() -> bool:
    """Called after each comment post: whether this process should run a
    recount now (at most once a minute across the servers, through the
    shared cache; between two asks the process does not even ask)."""
    if time.monotonic() < _next_ask["at"]:
        return False
    _next_ask["at"] = time.monotonic() + 60
    return cache.add(DUE_KEY, 1, 60)
