"""Quiet hours: when nobody is on the moderation shift, new comments wait
for a moderator (or the form closes). COMMENTS_QUIET_HOURS is written as
weekdays and hours, e.g. ``mon-fri 00-07; sat-sun 00-10`` (the hour range is
from-inclusive, to-exclusive; ``22-06`` runs past midnight into the next
day), read in COMMENTS_QUIET_TIME_ZONE."""

import re
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PART = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<start>\d{1,2})(?::00)?-(?P<end>\d{1,2})(?::00)?$"
)


def _days(text: str) -> list[int]:
    days = []
    for item in text.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(item)
        start, end = DAYS.index(first), DAYS.index(last or first)
        if start <= end:
            days.extend(range(start, end + 1))
        else:  # "sat-mon" wraps over the week's end
            days.extend([*range(start, 7), *range(end + 1)])
    return days


def parse(spec: str) -> frozenset[tuple[int, int]]:
    """The quiet (weekday, hour) pairs of `spec`; ImproperlyConfigured with
    the part it could not read."""
    hours = set()
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = _PART.match(part)
        try:
            if not match:
                raise ValueError(part)
            start, end = int(match["start"]), int(match["end"])
            if not (0 <= start <= 23 and 0 <= end <= 24 and start != end):
                raise ValueError(part)
            span = (end - start) % 24 or 24
            for day in _days(match["days"]):
                for step in range(span):
                    hour = start + step
                    hours.add(((day + hour // 24) % 7, hour % 24))
        except ValueError:
            raise ImproperlyConfigured(
                f"COMMENTS_QUIET_HOURS: cannot read {part!r}; write e.g. "
                "'mon-fri 00-07; sat-sun 00-10'."
            ) from None
    return frozenset(hours)


def _zone():
    return zoneinfo.ZoneInfo(settings.COMMENTS_QUIET_TIME_ZONE)


def quiet_until(now: datetime | None = None) -> datetime | None:
    """When the current quiet period ends, or None if a moderator is on
    shift now."""
    hours = parse(settings.COMMENTS_QUIET_HOURS)
    if not hours:
        return None
    local = timezone.localtime(now or timezone.now(), _zone())
    if (local.weekday(), local.hour) not in hours:
        return None
    # Quiet every hour of the week: it never ends (say: a week from now).
    return next_change(now) or local + timedelta(days=7)


def next_change(now: datetime | None = None) -> datetime | None:
    """The next hour at which quiet hours start or end (None without any):
    a shared copy of a page that says so must not outlive it."""
    hours = parse(settings.COMMENTS_QUIET_HOURS)
    if not hours:
        return None
    local = timezone.localtime(now or timezone.now(), _zone())
    quiet = (local.weekday(), local.hour) in hours
    moment = local.replace(minute=0, second=0, microsecond=0)
    for _ in range(7 * 24):
        moment += timedelta(hours=1)
        if ((moment.weekday(), moment.hour) in hours) != quiet:
            return moment
    return None


def describe() -> str:
    """The quiet hours as the form tells readers: "Mon–Fri 00:00–07:00"."""
    parts = []
    for part in filter(
        None, (p.strip().lower() for p in settings.COMMENTS_QUIET_HOURS.split(";"))
    ):
        match = _PART.match(part)
        if not match:
            continue
        days = []
        for item in match["days"].split(","):
            first, _, last = item.partition("-")
            label = str(WEEKDAYS_ABBR[DAYS.index(first)])
            if last:
                label += "–" + str(WEEKDAYS_ABBR[DAYS.index(last)])
            days.append(label)
        start, end = int(match["start"]), int(match["end"])
        parts.append(f"{', '.join(days)} {start:02d}:00–{end:02d}:00")
    return "; ".join(parts)
