"""Start-up checks of the comments app (run by `manage.py check`, `migrate`
and `runserver`, and logged when an app server starts)."""

import logging
import os

from django.core.checks import Warning, register

logger = logging.getLogger(__name__)

# Variables whose settings moved to the admin (Comments › Moderation
# settings, and Moderation words for the two word lists). The migration that
# made the page copied their values; after it they are ignored.
MOVED_TO_ADMIN = {
    "COMMENTS_FLOOD_SECONDS": "flood_seconds",
    "COMMENTS_RATE_PER_MINUTE": "rate_per_minute",
    "COMMENTS_HOLD_LINKS": "hold_links",
    "COMMENTS_TRUST_APPROVED_EMAILS": "trust_approved_emails",
    "COMMENTS_SURGE_THRESHOLD": "surge_threshold",
    "COMMENTS_SURGE_WINDOW_SECONDS": "surge_window_seconds",
    "COMMENTS_SURGE_LIFT": "surge_lift",
    "COMMENTS_QUIET_HOURS": "quiet_hours",
    "COMMENTS_QUIET_MODE": "quiet_mode",
    "COMMENTS_QUIET_TIME_ZONE": "quiet_time_zone",
    "COMMENTS_CLOSE_AFTER_DAYS": "close_after_days",
    "COMMENTS_UNDO_SECONDS": "undo_seconds",
    "COMMENTS_BLOCK_WORDS": None,
    "COMMENTS_HOLD_WORDS": None,
}


def moved_variables_still_set() -> list[str]:
    return [name for name in MOVED_TO_ADMIN if name in os.environ]


@register()
def moderation_settings_moved(app_configs=None, **kwargs):
    return [
        Warning(
            f"{name} is set, but the moderation policy is now set in the admin "
            "(Comments › Moderation settings; words: Moderation words) and this "
            "variable is ignored.",
            hint="Check the value there (the upgrade's migration copied it), "
            "then remove the variable from the environment.",
            id="comments.W001",
        )
        for name in moved_variables_still_set()
    ]


def warn_at_start() -> None:
    """The same warning in the app server's log (it runs no checks)."""
    for name in moved_variables_still_set():
        logger.warning(
            "%s is ignored: moderation settings are set in the admin "
            "(Comments › Moderation settings)",
            name,
        )
