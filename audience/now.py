""" "Now" for editors: what readers read in the last 5 and 60 minutes, views
per minute per story as a server-drawn SVG line, and where readers came
from. Journalists see their own stories' figures; editors see all."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from articles.models import Article, can_publish

from .models import Source, ViewCount

TOP = 10
WIDTH, HEIGHT = 240, 40  # each story's line, in SVG units: one minute, 4 units


@dataclass
class StoryRow:
    article: Article
    last5: int
    last60: int
    per_minute: list[int] = field(default_factory=list)
    points: str = ""


@dataclass
class Now:
    at: datetime
    rows: list[StoryRow]
    top5: list[StoryRow]
    sources: list[dict]
    total5: int
    total60: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def now_figures(user, now=None) -> Now:
    """Five queries whatever the number of stories and days kept: the top
    of the last 60 and 5 minutes, their per-minute series, the sources,
    the stories' titles (all on the per-minute rows of the last hour)."""
    now = now or timezone.now()
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(minutes=60)
    recent = end - timedelta(minutes=5)
    hour = ViewCount.objects.filter(
        per_day=False, period__gte=start, period__lt=end, article__isnull=False
    )
    if not can_publish(user):
        hour = hour.filter(article__in=Article.objects.involving(user))
    by_story = hour.values("article").annotate(n=Sum("views")).order_by("-n", "article")
    top60 = {r["article"]: r["n"] for r in by_story[:TOP]}
    top5 = {r["article"]: r["n"] for r in by_story.filter(period__gte=recent)[:TOP]}
    ids = set(top60) | set(top5)
    series: dict[int, list[int]] = {pk: [0] * 60 for pk in ids}
    for row in (
        hour.filter(article__in=ids)
        .values("article", "period")
        .annotate(n=Sum("views"))
        .order_by()
    ):
        minute = int((row["period"] - start).total_seconds() // 60)
        if 0 <= minute < 60:
            series[row["article"]][minute] += row["n"]
    articles = Article.objects.only(
        "title", "slug", "pub_date", "status", "published_at"
    ).in_bulk(ids)
    peak = max([1, *(v for s in series.values() for v in s)])
    rows = {
        pk: StoryRow(
            article=articles[pk],
            last5=sum(series[pk][-5:]),
            last60=sum(series[pk]),
            per_minute=series[pk],
            points=_points(series[pk], peak),
        )
        for pk in ids
        if pk in articles
    }
    totals = dict(
        hour.values("source").annotate(n=Sum("views")).values_list("source", "n")
    )
    total60 = sum(totals.values())
    sources = [
        {
            "label": label,
            "views": totals.get(value, 0),
            "share": round(100 * totals.get(value, 0) / total60) if total60 else 0,
        }
        for value, label in Source.choices
    ]
    return Now(
        at=now,
        rows=[rows[pk] for pk in top60 if pk in rows],
        top5=[rows[pk] for pk in top5 if pk in rows],
        sources=sources,
        total5=sum(r.last5 for r in rows.values()),
        total60=total60,
        peak=peak,
    )


def _points(values: list[int], peak: int) -> str:
    step = WIDTH / (len(values) - 1)
    return " ".join(
        f"{i * step:.0f},{HEIGHT - v / peak * (HEIGHT - 2):.1f}"
        for i, v in enumerate(values)
    )
