"""Caches follow every ORM write to comments, moderation words and settings
(admin edits and deletes included), through the one invalidation point."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.invalidation import article_tag
from articles.models import Article
from caching.invalidation import invalidate

from .counts import comment_deleted_recount
from .models import Comment, ModerationSettings, ModerationWord
from .moderation import WORDS_TAG
from .preferences import SETTINGS_TAG


@receiver([post_save, post_delete], sender=ModerationWord)
def moderation_words_changed(**kwargs):
    invalidate(WORDS_TAG)


@receiver(post_save, sender=ModerationSettings)
def moderation_settings_changed(**kwargs):
    """Every server reads the new settings at its next request; the comment
    form on every page (quiet hours, auto-close) shows them ("site")."""
    invalidate(SETTINGS_TAG, "site")


@receiver(post_save, sender=Comment)
def comment_saved(instance, created, **kwargs):
    """An edited comment, or a new one readers see, changes its article's
    page, and only that page: the listings' comment counts follow within
    minutes (comments.counts). A new pending or spam comment changes nothing
    public (the comment flood of a breaking story must not empty the cache)."""
    if not created or instance.status == Comment.Status.APPROVED:
        invalidate(article_tag(instance.article_id))


@receiver(post_delete, sender=Comment)
def comment_deleted(instance, origin=None, **kwargs):
    """A deleted comment leaves its article's page. When the article itself
    is being deleted, its own receiver covers the cascade of its comments."""
    model = getattr(origin, "model", type(origin))
    if model is not Article:
        invalidate(article_tag(instance.article_id))
        if instance.status == Comment.Status.APPROVED:
            comment_deleted_recount(article_id=instance.article_id)
