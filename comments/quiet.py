"""Quiet hours: when nobody is on the moderation shift, new comments wait
for a moderator (or the form closes). The moderation settings' quiet hours
are written as weekdays and hours, e.g. ``mon-fri 00-07; sat-sun 00-10``
(the hour range is from-inclusive, to-exclusive; ``22-06`` runs past
midnight into the next day), read in their time zone. The functions take
the settings row (comments.preferences.current())."""

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PART = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<start>\d{1,2})(?::00)?-(?P<end>\d{1,2})(?::00)?$"
)


def _days(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The weekdays of "mon-fri,sun" (0 = Monday), and its ranges as
    written (first, last) for describe()."""
    days, ranges = [], []
    for item in text.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(item)
        start, end = DAYS.index(first), DAYS.index(last or first)
        ranges.append((start, end))
        if start <= end:
            days.extend(range(start, end + 1))
        else:  # "sat-mon" wraps over the week's end
            days.extend([*range(start, 7), *range(end + 1)])
    return days, ranges


@dataclass(frozen=True)
class Quiet:
    """Quiet hours read: its parts as written, and every quiet
    (weekday, hour) pair."""

    parts: tuple[tuple[tuple[tuple[int, int], ...], int, int], ...]
    hours: frozenset[tuple[int, int]]


@functools.lru_cache(maxsize=8)
def read(spec: str) -> Quiet:
    """`spec` read once (it is asked on every comment and article page);
    ImproperlyConfigured names the part it could not read."""
    parts, hours = [], set()
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = _PART.match(part)
        try:
            if not match:
                raise ValueError(part)
            start, end = int(match["start"]), int(match["end"])
            if not (0 <= start <= 23 and 0 <= end <= 24 and start != end):
                raise ValueError(part)
            days, ranges = _days(match["days"])
            span = (end - start) % 24 or 24
            for day in days:
                for step in range(span):
                    hour = start + step
                    hours.add(((day + hour // 24) % 7, hour % 24))
            parts.append((tuple(ranges), start, end))
        except ValueError:
            raise ImproperlyConfigured(
                f"Quiet hours: cannot read {part!r}; write e.g. "
                "'mon-fri 00-07; sat-sun 00-10'."
            ) from None
    return Quiet(parts=tuple(parts), hours=frozenset(hours))


def parse(spec: str) -> frozenset[tuple[int, int]]:
    """The quiet (weekday, hour) pairs of `spec`."""
    return read(spec).hours


def validate_quiet_hours(value: str) -> None:
    try:
        read(value)
    except ImproperlyConfigured as error:
        raise ValidationError(str(error)) from None


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{value}” is not a time zone.") from None


def _zone(policy):
    return zoneinfo.ZoneInfo(policy.quiet_time_zone)


def quiet_until(policy, now: datetime | None = None) -> datetime | None:
    """When the current quiet period ends, or None if a moderator is on
    shift now."""
    hours = parse(policy.quiet_hours)
    if not hours:
        return None
    local = timezone.localtime(now or timezone.now(), _zone(policy))
    if (local.weekday(), local.hour) not in hours:
        return None
    # Quiet every hour of the week: it never ends (say: a week from now).
    return next_change(policy, now) or local + timedelta(days=7)


def next_change(policy, now: datetime | None = None) -> datetime | None:
    """The next hour at which quiet hours start or end (None without any):
    a shared copy of a page that says so must not outlive it."""
    hours = parse(policy.quiet_hours)
    if not hours:
        return None
    local = timezone.localtime(now or timezone.now(), _zone(policy))
    quiet = (local.weekday(), local.hour) in hours
    moment = local.replace(minute=0, second=0, microsecond=0)
    for _ in range(7 * 24):
        moment += timedelta(hours=1)
        if ((moment.weekday(), moment.hour) in hours) != quiet:
            return moment
    return None


def describe(policy) -> str:
    """The quiet hours as the form tells readers: "Mon–Fri 00:00–07:00"."""

    def days(first: int, last: int) -> str:
        label = str(WEEKDAYS_ABBR[first])
        return label if first == last else f"{label}–{WEEKDAYS_ABBR[last]}"

    return "; ".join(
        f"{', '.join(days(*r) for r in ranges)} {start:02d}:00–{end:02d}:00"
        for ranges, start, end in read(policy.quiet_hours).parts
    )
