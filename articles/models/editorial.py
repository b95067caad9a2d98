"""The desk's records around a story: revisions, locks, draft copies,
corrections and the audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from .article import Article
from .common import can_publish


class ArticleRevision(models.Model):
    """A snapshot of an article taken at each save in the back office."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    data = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "-created_at"])]

    def __str__(self):
        return f"{self.article} at {self.created_at:%Y-%m-%d %H:%M}"


class ArticleLock(models.Model):
    """Who is editing an article now (WordPress's post lock): taken when the
    form opens, kept alive by the open form's heartbeat, released when it is
    left; a lock not renewed for NEWSROOM_EDIT_LOCK_SECONDS has lapsed."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="lock"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.article} edited by {self.user}"

    def is_fresh(self, now=None) -> bool:
        now = now or timezone.now()
        lifetime = settings.NEWSROOM_EDIT_LOCK_SECONDS
        return (now - self.seen_at).total_seconds() < lifetime


class ArticleDraftCopy(models.Model):
    """Unsaved changes of one person's open article form, autosaved while
    they type (never a revision, never public): offered back when they open
    the article again. `article` is None for a new article not saved yet."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField()
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                name="draft_copy_per_user_article",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"Unsaved changes of {self.user} on {self.article or 'a new article'}"


class Correction(models.Model):
    """A public correction: an editor marks a revision of a published story
    as correcting it, with a note readers see under the story, on the
    corrections page and in its feed."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="corrections"
    )
    revision = models.OneToOneField(
        ArticleRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="correction",
    )
    note = models.TextField(help_text="What was wrong and what is right now.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"], name="correction_recent_idx")]

    def __str__(self):
        return f"Correction to {self.article} at {self.created_at:%Y-%m-%d %H:%M}"


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The entries `user` may read: all for those who may publish; for
        others (moderators), none about a story they may not open, since an
        entry names the story (an embargoed headline in "submit for review")."""
        if can_publish(user):
            return self
        openable = (
            Article.objects.openable_by(user)
            .order_by()
            .annotate(key=Cast("pk", models.CharField()))
            .values("key")
        )
        return self.exclude(
            Q(object_type=Article._meta.label_lower) & ~Q(object_id__in=openable)
        )


class AuditEntry(models.Model):
    """One editorial or moderation action (articles/audit.py): who, when,
    what, on which object. Written by the services, never edited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"
