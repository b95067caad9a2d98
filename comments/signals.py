"""Cached policy data follows the admin: a changed moderation word list is
used by the very next comment, on every app server."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.tagversions import bump

from .models import ModerationWord
from .moderation import WORDS_TAG


@receiver([post_save, post_delete], sender=ModerationWord)
def moderation_words_changed(**kwargs):
    transaction.on_commit(lambda: bump(WORDS_TAG))
