"""Writes of the audience's counts besides counting itself: the rollup."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import ViewCount

ROLLUP = """
INSERT INTO audience_viewcount (period, per_day, article_id, section_id, source, views)
SELECT date_trunc('day', period AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', true,
       article_id, section_id, source, SUM(views)
FROM audience_viewcount
WHERE NOT per_day AND period < %s
GROUP BY 1, article_id, section_id, source
ON CONFLICT (period, per_day, article_id, section_id, source)
DO UPDATE SET views = audience_viewcount.views + EXCLUDED.views
"""


@transaction.atomic
def rollup(now=None) -> tuple[int, int]:
    """(per-minute rows rolled into days, per-day rows dropped). Whole UTC
    days only: a day is rolled up once all its minutes are past the limit."""
    now = now or timezone.now()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes_until = day - timedelta(days=settings.NEWSROOM_AUDIENCE_MINUTE_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(ROLLUP, [minutes_until])
    rolled, _ = ViewCount.objects.filter(
        per_day=False, period__lt=minutes_until
    ).delete()
    days_until = day - timedelta(days=settings.NEWSROOM_AUDIENCE_DAY_DAYS)
    dropped, _ = ViewCount.objects.filter(per_day=True, period__lt=days_until).delete()
    return rolled, dropped
