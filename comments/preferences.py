"""The moderation settings row (ModerationSettings) as every request reads
it: kept in the shared cache under the version of its tag and copied per
process (caching.fragments.site_value), so a comment post or an article page
reads it without a query; a save moves the tag on (comments/signals.py,
through the one invalidation point) and every server reads the new row at
its next request."""

from caching.fragments import site_value

from .models import ModerationSettings

SETTINGS_TAG = "moderation-settings"


def current() -> ModerationSettings:
    """The moderation settings in force (the defaults until someone saves
    the page)."""
    return site_value("moderation-settings", SETTINGS_TAG, _load)


def _load() -> ModerationSettings:
    return ModerationSettings.objects.filter(pk=1).first() or ModerationSettings(pk=1)
