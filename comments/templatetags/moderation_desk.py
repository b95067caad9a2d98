from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_short(value: timedelta) -> str:
    """A duration as a moderator reads it: "45 s", "12 min", "3 h 05 min"."""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"
