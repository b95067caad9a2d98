"""What is kept of readers' visits: views per story (or section) per minute
(per day after NEWSROOM_AUDIENCE_MINUTE_DAYS), by where readers came from.
Never an address, a cookie, a Referer or a fingerprint: docs/audience.md."""

from django.db import models

from articles.models import Article, Section


class Source(models.TextChoices):
    SEARCH = "search", "Search"
    SOCIAL = "social", "Social"
    DIRECT = "direct", "Direct"
    INTERNAL = "internal", "This site"
    OTHER = "other", "Other sites"


class ViewCountQuerySet(models.QuerySet):
    def most_read(self, *, since, limit: int) -> list:
        """The published stories most read since `since`, most first (two
        queries: the top story ids from the per-minute counts, then their
        cards; a story unpublished meanwhile is left out)."""
        top = (
            self.filter(per_day=False, period__gte=since, article__isnull=False)
            .values("article")
            .annotate(total=models.Sum("views"))
            .order_by("-total", "article")[: limit * 2]
        )
        ranked = [row["article"] for row in top]
        cards = Article.objects.published().for_listing().in_bulk(ranked)
        return [cards[pk] for pk in ranked if pk in cards][:limit]


class ViewCount(models.Model):
    # The minute (or the day, for rows rolled up) the views fall in, UTC.
    period = models.DateTimeField()
    per_day = models.BooleanField(default=False)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    views = models.PositiveIntegerField(default=0)

    objects = ViewCountQuerySet.as_manager()

    class Meta:
        verbose_name = "view count"
        verbose_name_plural = "now: what readers read"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "per_day", "article", "section", "source"],
                nulls_distinct=False,
                name="viewcount_one_row_per_page_period_source",
            ),
            models.CheckConstraint(
                condition=models.Q(article__isnull=True)
                ^ models.Q(section__isnull=True),
                name="viewcount_a_story_or_a_section",
            ),
        ]
        indexes = [
            models.Index(fields=["per_day", "-period"], name="viewcount_period_idx"),
            models.Index(fields=["article", "-period"], name="viewcount_article_idx"),
        ]

    def __str__(self):
        page = (
            f"story {self.article_id}"
            if self.article_id
            else f"section {self.section_id}"
        )
        return f"{page}, {self.period:%Y-%m-%d %H:%M}, {self.source}: {self.views}"
