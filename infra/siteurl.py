"""Absolute addresses written into pages, feeds, sitemaps and e-mails.

A page a cache keeps is handed to every later reader, so nothing in it may
come from what one visitor sent: an address is the site's configured one
(NEWSROOM_BASE_URL), the path, and only the query parameters the caches key
on (NEWSROOM_PAGE_QUERY_PARAMS), never the request's Host or other query.
In development, with no base configured, the request's own scheme and host
stand in: both caches key on the host, so it cannot reach another reader.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings


def keyed_query(request, names=None) -> str:
    """The query string of the parameters a cached page may depend on
    (`names`: a subset of them), sorted, as the page cache keys it."""
    allowed = settings.NEWSROOM_PAGE_QUERY_PARAMS
    if names is not None:
        allowed = [name for name in allowed if name in names]
    if not request.META.get("QUERY_STRING"):
        return ""
    return urlencode(
        sorted((name, value) for name in allowed for value in request.GET.getlist(name))
    )


def _base(request) -> str:
    if settings.NEWSROOM_BASE_URL:
        return settings.NEWSROOM_BASE_URL.rstrip("/")
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return ""  # no base and no request: the path alone (a relative address)


def site_url(path: str, request=None, *, query: str = "") -> str:
    """`path` (and a `query` from keyed_query) as the address readers use.
    An address that is already absolute (media on another origin) stays."""
    if urlsplit(path).netloc:
        return path
    return _base(request) + path + (f"?{query}" if query else "")


class SiteRequest:
    """The request as if it had come to the site's configured address:
    handed to Django's syndication and sitemap views, which build their
    absolute links from the request's host and scheme. Everything else is
    the request's own."""

    def __init__(self, request):
        parts = urlsplit(settings.NEWSROOM_BASE_URL)
        object.__setattr__(self, "_request", request)
        object.__setattr__(self, "scheme", parts.scheme)
        object.__setattr__(self, "_host", parts.netloc)

    def get_host(self) -> str:
        return self._host

    def is_secure(self) -> bool:
        return self.scheme == "https"

    def build_absolute_uri(self, location=None) -> str:
        return site_url(self._request.path if location is None else location)

    def __getattr__(self, name):
        return getattr(self._request, name)

    def __setattr__(self, name, value):
        setattr(self._request, name, value)


def site_request(request):
    """`request` at the configured address (itself when none is set)."""
    return SiteRequest(request) if settings.NEWSROOM_BASE_URL else request
