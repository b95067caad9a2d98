"""A newsletter added, renamed or switched off: the pages listing them
(the newsletters page) are made again."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from caching.invalidation import invalidate

from .models import Newsletter


@receiver([post_save, post_delete], sender=Newsletter)
def _newsletter_saved(**kwargs):
    invalidate("newsletters")
