"""The front page as editors arrange it: the lead story, the ordered top
stories and the stories pinned to the top of their section, and the
breaking-news banner, each from an optional moment and until an optional one
(articles/front.py writes and reads them)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .article import Article


class TimedQuerySet(models.QuerySet):
    """Rows in force from `starts_at` until `ends_at` (each optional), about
    a story."""

    def not_ended(self, at=None):
        """Not ended by `at` (now), whether its story is published or not."""
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def active(self, at=None):
        """In force at `at` (now), about a story readers may see then: an
        unpublished or not yet published story never shows, placed or not."""
        at = at or timezone.now()
        return self.not_ended(at).filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=at),
            article__status=Article.Status.PUBLISHED,
            article__published_at__lte=at,
        )

    def schedule(self, now):
        """(The latest start or end reached by `now`, the next one to come),
        each None if there is none, in one query: what the front shows
        changes at those moments with no save (caching.tagversions)."""
        found = self.aggregate(
            started=Max("starts_at", filter=Q(starts_at__lte=now)),
            ended=Max("ends_at", filter=Q(ends_at__lte=now)),
            starts=Min("starts_at", filter=Q(starts_at__gt=now)),
            ends=Min("ends_at", filter=Q(ends_at__gt=now)),
        )
        reached = [m for m in (found["started"], found["ended"]) if m is not None]
        coming = [m for m in (found["starts"], found["ends"]) if m is not None]
        return max(reached, default=None), min(coming, default=None)


class FrontSlotQuerySet(TimedQuerySet):
    def in_order(self):
        """The lead in force is the one that started last; top stories and
        pins in the editors' order."""
        return self.order_by(
            "kind",
            "position",
            Coalesce("starts_at", "created_at").desc(),
            "-pk",
        )


class Placement(models.Model):
    """Something editors put on the site about a story, in force from an
    optional moment until an optional one, and who did it."""

    starts_at = models.DateTimeField(
        "from", null=True, blank=True, help_text="Empty: at once."
    )
    ends_at = models.DateTimeField(
        "until", null=True, blank=True, help_text="Empty: until removed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="%(class)s_ends_after_it_starts",
            ),
        ]


class FrontSlot(Placement):
    class Kind(models.TextChoices):
        LEAD = "lead", "Lead story"
        TOP = "top", "Top story"
        PIN = "pin", "Pinned to its section"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="front_slots"
    )
    # Top stories and pins: their order (lowest first).
    position = models.PositiveIntegerField(default=0)

    objects = FrontSlotQuerySet.as_manager()

    class Meta(Placement.Meta):
        verbose_name = "front-page place"
        verbose_name_plural = "front page"
        indexes = [models.Index(fields=["kind", "position"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article}"


class BreakingNewsQuerySet(TimedQuerySet):
    def current(self, at=None):
        """The banner in force at `at` (now): the one that started last, or
        None."""
        return (
            self.active(at)
            .select_related("article")
            .order_by(Coalesce("starts_at", "created_at").desc(), "-pk")
            .first()
        )


class BreakingNews(Placement):
    """The breaking-news banner shown on every reader page while in force
    (articles/front.py marks and ends it; the page carries it as an edge
    include, caching/includes.py)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="breaking_news"
    )
    headline = models.CharField(
        max_length=200, blank=True, help_text="Empty: the story's headline."
    )

    objects = BreakingNewsQuerySet.as_manager()

    class Meta(Placement.Meta):
        verbose_name = "breaking-news banner"

    def __str__(self):
        return self.headline or str(self.article)

    @property
    def text(self) -> str:
        return self.headline or self.article.title
