"""Live blogs: a story's timestamped entries, each its own row, so several
journalists post at once with no edit lock between them (articles/live.py
writes and reads them)."""

from django.conf import settings
from django.db import models
from django_prose_editor.fields import ProseEditorField

from ..html import EDITOR_EXTENSIONS
from .article import Article


class LiveEntryQuerySet(models.QuerySet):
    def shown(self):
        """What readers see: not deleted."""
        return self.filter(deleted_at__isnull=True)


class LiveEntry(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="live_entries"
    )
    body = ProseEditorField(
        extensions=EDITOR_EXTENSIONS,
        sanitize=True,
        help_text="Text, images (Upload an image), links.",
    )
    # A story the entry points to ("Read more: …").
    linked_article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="link to a story",
    )
    # The name readers see (the author's profile name when posted).
    byline = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    pinned = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "live-blog entry"
        verbose_name_plural = "live-blog entries"
        indexes = [
            models.Index(
                fields=["article", "-id"],
                condition=models.Q(deleted_at__isnull=True),
                name="liveentry_shown_idx",
            )
        ]

    def __str__(self):
        return f"{self.article}: entry {self.pk}"
