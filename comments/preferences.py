"""The moderation settings row (ModerationSettings) as every request reads
it: kept in the shared cache under the version of its tag and copied per
process, so a comment post or an article page reads it without a query;
a save moves the tag on (comments/signals.py, through the one invalidation
point) and every server reads the new row at its next request."""

from django.core.cache import cache

from caching.tagversions import versions

from .models import ModerationSettings

SETTINGS_TAG = "moderation-settings"

# This process's copy: (the tag's version, the row).
_local: dict = {"version": None, "row": None}


def current() -> ModerationSettings:
    """The moderation settings in force (the defaults until someone saves
    the page)."""
    version = versions([SETTINGS_TAG])[SETTINGS_TAG]
    if _local["version"] == version:
        return _local["row"]
    key = f"moderation-settings:{version}"
    row = cache.get(key)
    if row is None:
        row = ModerationSettings.objects.filter(pk=1).first() or ModerationSettings(
            pk=1
        )
        cache.set(key, row, 24 * 3600)
    _local.update(version=version, row=row)
    return row


def forget() -> None:
    """Drop this process's copy (tests)."""
    _local.update(version=None, row=None)
