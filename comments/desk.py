"""Reads for the moderation desk: the queue's per-row facts and the
dashboard's figures. Each figure is one indexed statement (time slices go
through the BRIN indexes on created_at), so the dashboard stays fast at a
million comments."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject, TruncHour, Upper
from django.utils import timezone

from articles.models import Article, person_name

from .models import (
    UNDO_RULE,
    Comment,
    CommentClaim,
    CommentDecision,
    CommentReport,
    CommentSurge,
    MailFailure,
)
from .preferences import current

CHART_HOURS = 48
# What a commenter's history counts (in the queue's rows).
HISTORY = (Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM)


def author_history():
    """Per queue row: the author's approved / rejected / spam counts (by
    e-mail, any case; the e-mail index serves it)."""
    theirs = (
        Comment.objects.filter(email__iexact=OuterRef("email"))
        .order_by()
        .values(key=Upper("email"))
        .annotate(history=JSONObject(**Comment.objects.status_counts(*HISTORY)))
        .values("history")
    )
    return Subquery(theirs)


def live_claims(ids, now=None) -> dict[int, CommentClaim]:
    """The unexpired claims on comments `ids`, by comment id."""
    now = now or timezone.now()
    claims = CommentClaim.objects.filter(comment_id__in=ids, until__gte=now)
    return {c.comment_id: c for c in claims.select_related("moderator")}


def queue_summary(*, reported: bool = True) -> dict:
    """What the queue's header says: pending now and the oldest's age, and
    (`reported`) how many comments readers have reported (open reports)."""
    waiting = Comment.objects.pending().outside_legal_hold()
    # COUNT(*), not COUNT(id): the status index alone answers it.
    summary = waiting.aggregate(pending=Count("*"), oldest=Min("created_at"))
    if reported:
        summary["reported"] = CommentReport.objects.filter(
            closed_at__isnull=True
        ).aggregate(n=Count("comment_id", distinct=True))["n"]
    return summary


def open_reports(comment_ids) -> dict:
    """{comment id: [(reason label, count), …]} of these comments' open
    reports (one grouped query)."""
    labels = dict(CommentReport.Reason.choices)
    found: dict = {}
    rows = (
        CommentReport.objects.filter(comment_id__in=comment_ids, closed_at__isnull=True)
        .values("comment_id", "reason")
        .annotate(n=Count("*"))
        .order_by("comment_id", "-n", "reason")
    )
    for row in rows:
        found.setdefault(row["comment_id"], []).append(
            (str(labels.get(row["reason"], row["reason"])), row["n"])
        )
    return found


def report_notes(comment_ids, per_comment: int = 3) -> dict:
    """{comment id: [note, …]}: the newest notes of these comments' open
    reports (reader text: escaped where shown)."""
    notes: dict = {}
    rows = (
        CommentReport.objects.filter(comment_id__in=comment_ids, closed_at__isnull=True)
        .exclude(note="")
        .order_by("comment_id", "-created_at")
        .values_list("comment_id", "note")
    )
    for pk, note in rows[: per_comment * 50]:
        kept = notes.setdefault(pk, [])
        if len(kept) < per_comment:
            kept.append(note)
    return notes


def busiest_stories(limit: int) -> list[dict]:
    """The stories with the most comments waiting: article, title, n,
    oldest. Grouped in the comment table alone, then the few titles read
    by primary key (a join would read every article)."""
    rows = list(
        Comment.objects.pending()
        .outside_legal_hold()
        .order_by()
        .values("article")
        .annotate(n=Count("*"), oldest=Min("created_at"))
        .order_by("-n", "article")[:limit]
    )
    titles = dict(
        Article.objects.filter(pk__in=[r["article"] for r in rows]).values_list(
            "pk", "title"
        )
    )
    for row in rows:
        row["title"] = titles.get(row["article"], "")
    return rows


def open_surges():
    return list(
        CommentSurge.objects.filter(ended_at__isnull=True).select_related("article")
    )


@dataclass
class Chart:
    """A server-drawn SVG bar chart of two hourly series."""

    width: int
    height: int
    bars: list[dict]
    peak: int
    start: datetime


def hourly(model, since, *, moderator_only=False) -> dict[datetime, int]:
    """Rows of `model` created per hour since `since`, counted in SQL."""
    rows = model.objects.filter(created_at__gte=since)
    if moderator_only:
        rows = rows.filter(actor__isnull=False)
    grouped = (
        rows.order_by()
        .annotate(hour=TruncHour("created_at"))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    return dict(grouped)


def chart(now=None) -> Chart:
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=CHART_HOURS)
    posted = hourly(Comment, start)
    decided = hourly(CommentDecision, start, moderator_only=True)
    peak = max([1, *posted.values(), *decided.values()])
    width, height, slot = 960, 160, 20
    bars = []
    for i in range(CHART_HOURS):
        hour = start + timedelta(hours=i)
        p, d = posted.get(hour, 0), decided.get(hour, 0)
        hp, hd = round(p / peak * height), round(d / peak * height)
        bars.append(
            {
                "hour": hour,
                "posted": p,
                "decided": d,
                "x": i * slot,
                "yp": height - hp,
                "hp": hp,
                "yd": height - hd,
                "hd": hd,
                "label": i % 6 == 0,
            }
        )
    return Chart(width=width, height=height, bars=bars, peak=peak, start=start)


_DECISION_TIMES_SQL = """
SELECT
  percentile_cont(0.5) WITHIN GROUP (ORDER BY d.created_at - c.created_at),
  percentile_cont(0.9) WITHIN GROUP (ORDER BY d.created_at - c.created_at),
  COUNT(*)
FROM {decision} d JOIN {comment} c ON c.id = d.comment_id
WHERE d.actor_id IS NOT NULL AND d.created_at >= %s AND d.rule <> %s
"""


def reports_summary(now) -> dict:
    """Readers' reports on the dashboard: how many an hour in the last 24
    hours, and the median time from a comment's first report to the
    moderator's decision that closed them (last 7 days)."""
    counts = CommentReport.objects.aggregate(
        day=Count("pk", filter=Q(created_at__gte=now - timedelta(hours=24))),
        reported=Count("comment_id", distinct=True, filter=Q(closed_at__isnull=True)),
    )
    closed = (
        CommentReport.objects.filter(closed_at__gte=now - timedelta(days=7))
        .order_by()
        .values("comment_id")
        .annotate(first=Min("created_at"), decided=Max("closed_at"))
        .values_list("first", "decided")
    )
    waits = sorted(decided - first for first, decided in closed)
    return {
        "reported": counts["reported"],
        "reports_day": counts["day"],
        "reports_per_hour": round(counts["day"] / 24, 1),
        "report_wait": waits[len(waits) // 2] if waits else None,
        "reports_decided": len(waits),
    }


def dashboard(now=None) -> dict:
    now = now or timezone.now()
    day_ago = now - timedelta(hours=24)
    summary = queue_summary(reported=False)  # reports_summary counts them
    decisions = CommentDecision.objects.filter(
        created_at__gte=day_ago, actor__isnull=False
    ).exclude(rule=UNDO_RULE)
    per_moderator = list(
        decisions.order_by()
        .values("actor")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("actor", "n")
    )
    users = get_user_model().objects.in_bulk([pk for pk, _ in per_moderator])
    sql = _DECISION_TIMES_SQL.format(
        decision=CommentDecision._meta.db_table, comment=Comment._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now - timedelta(days=7), UNDO_RULE])
        median, p90, decided_week = cursor.fetchone()
    load = busiest_stories(10)
    decided_day = sum(n for _, n in per_moderator)
    return {
        "now": now,
        # E-mails given up on in the last week (the newest few).
        "mail_failures": list(
            MailFailure.objects.filter(failed_at__gte=now - timedelta(days=7))[:5]
        ),
        "pending": summary["pending"],
        "oldest": summary["oldest"],
        **reports_summary(now),
        "decided_day": decided_day,
        "per_hour": round(decided_day / 24, 1),
        "median": median,
        "p90": p90,
        "decided_week": decided_week,
        "moderators": [
            {"name": person_name(users[pk]) if pk in users else "?", "n": n}
            for pk, n in per_moderator
        ],
        "load": load,
        "chart": chart(now),
        "surges": open_surges(),
        "settings": {
            "undo": current().undo_seconds,
            "claim": settings.COMMENTS_CLAIM_SECONDS,
        },
    }
