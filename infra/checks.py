"""System checks for production settings (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def site_origin_is_configured(app_configs=None, **kwargs):
    """The comment endpoint compares a post's Origin with the site's own
    (infra/crossorigin.py): production must say what it is."""
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


@register(Tags.caches)
def replica_fence_is_shared(app_configs=None, **kwargs):
    """The replica's fence (infra/replica.py) lives in the shared cache:
    with a per-process cache, one server's change would not keep another
    server's readers off a replica that has not replayed it."""
    from django.core.cache import cache

    if "replica" not in settings.DATABASES or hasattr(cache, "raise_to"):
        return []
    return [
        Error(
            "NEWSROOM_REPLICA_URL is set but the cache is not the shared Redis.",
            hint="Set NEWSROOM_CACHE_URL to redis://…: the replica's fence must be "
            "seen by every app server.",
            id="newsroom.E002",
        )
    ]
