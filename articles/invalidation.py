"""What an article's change touches, and the receivers that pass every
ORM save and delete of the articles app to the one invalidation point
(caching.invalidation.invalidate)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from caching.invalidation import invalidate

from .models import (
    Article,
    ArticleAuthor,
    AuthorProfile,
    BreakingNews,
    Correction,
    FrontSlot,
    LiveEntry,
    Section,
    Tag,
)

# The corrections page and feed.
CORRECTIONS_TAG = "corrections"
# The listings' comment counts (Article.comment_count): changed by the
# comments app's recount at most every few minutes, carried by the
# listing pages only (not by article pages, unlike "lists").
COMMENT_COUNTS_TAG = "comment-counts"
# What editors place on the front page (FrontSlot): carried by the home and
# section pages only, so arranging the front leaves article pages cached.
FRONT_TAG = "front"
# The breaking-news banner: carried by its own small resource only, which
# every reader page includes (caching/includes.py), so a banner change
# leaves every page cached, at the edge too.
BREAKING_TAG = "breaking"


def article_tag(pk) -> str:
    return f"article:{pk}"


def schedule(now):
    """(The latest publication moment reached by `now`, the next one to
    come), each None if there is none (settings.CACHING_SCHEDULES)."""
    return Article.objects.schedule(now)


def front_schedule(now):
    """(The latest start or end of a front-page place reached by `now`, the
    next one to come) (settings.CACHING_SCHEDULES)."""
    return FrontSlot.objects.schedule(now)


def breaking_schedule(now):
    """(The latest start or end of a banner reached by `now`, the next one
    to come) (settings.CACHING_SCHEDULES)."""
    return BreakingNews.objects.schedule(now)


def article_tags(pk) -> tuple[str, str]:
    """What an article's change touches: its own page and every listing."""
    return article_tag(pk), "lists"


@receiver([post_save, post_delete], sender=Article)
def _article_saved(instance, **kwargs):
    invalidate(*article_tags(instance.pk))
    # A story taken down (or retitled) under a breaking-news banner: the
    # banner shows only published stories, so it must be made again.
    if BreakingNews.objects.filter(article_id=instance.pk).not_ended().exists():
        invalidate(BREAKING_TAG)


@receiver([post_save, post_delete], sender=Correction)
def _correction_saved(instance, **kwargs):
    invalidate(*article_tags(instance.article_id), CORRECTIONS_TAG)


@receiver([post_save, post_delete], sender=ArticleAuthor)
def _byline_saved(instance, **kwargs):
    invalidate(*article_tags(instance.article_id))


@receiver(m2m_changed, sender=Article.tags.through)
def _article_tags_changed(instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Article):
        invalidate(*article_tags(instance.pk))
    else:  # changed from the tag's side
        for pk in pk_set or ():
            invalidate(*article_tags(pk))
        invalidate("lists")


@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Tag)
@receiver([post_save, post_delete], sender=AuthorProfile)
def _site_structure_saved(**kwargs):
    invalidate("site")


@receiver([post_save, post_delete], sender=FrontSlot)
def _front_slot_saved(**kwargs):
    invalidate(FRONT_TAG)


@receiver([post_save, post_delete], sender=BreakingNews)
def _breaking_news_saved(**kwargs):
    invalidate(BREAKING_TAG)


@receiver([post_save, post_delete], sender=LiveEntry)
def _live_entry_saved(instance, **kwargs):
    # The story's page and its update resource (/live/<id>/) carry its tag.
    invalidate(article_tag(instance.article_id))
