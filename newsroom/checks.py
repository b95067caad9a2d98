"""System checks for production settings (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def site_origin_is_configured(app_configs=None, **kwargs):
    """The comment endpoint compares a post's Origin with the site's own
    (newsroom/crossorigin.py): production must say what it is."""
    url = settings.NEWSROOM_BASE_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        Error(
            "NEWSROOM_BASE_URL is not an absolute http(s) URL.",
            hint="Set it to the address readers use, e.g. https://news.example.com: "
            "comment posts are accepted only from pages of that origin.",
            id="newsroom.E001",
        )
    ]
