"""Page cache for anonymous readers, with precise invalidation.

Views opt in by declaring what a page depends on (`cache_page_tags(request,
...)`): "site" (sections, authors, tags: rare edits), "lists" (every listing:
home, section, tag, author pages, feeds, sitemaps), "front" (what editors
placed on the home and section pages) and "article:<pk>" (one article page
and its comments). Each tag has a version number in the shared
cache; an entry stores the versions it was rendered with and is served only
while they are unchanged, so bumping "article:42" drops that page alone.

Not cached: any request carrying a per-visitor cookie (settings.
NEWSROOM_VISITOR_COOKIES: a session, messages, a reader's pending comments or
remembered name and e-mail), previews, the admin, POSTs; nor a response that
marked itself as holding visitor data (`mark_per_visitor`). Pages are keyed
on the query parameters in NEWSROOM_PAGE_QUERY_PARAMS only, and on the
language (one copy per language when the site follows the browser's).
The middleware runs first, so a hit costs no other middleware: the stored
response keeps the headers the rest of the stack added. What is stored is the
same for every visitor, as an edge cache in front needs it to be: a response
that sets a cookie or carries a per-request CSP nonce is never stored (reader
pages have neither: the comment form carries no CSRF token, see
infra/crossorigin.py, and no reader page uses a nonce).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import (
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)

from infra.middleware import anonymous_read, has_visitor_cookie, request_language
from infra.siteurl import keyed_query

from . import includes
from .edge import edge_max_age, xkey
from .fragments import LocalCopies
from .tagversions import request_snapshot
from .tagversions import versions as _versions

ENTRY_PREFIX = "pagecache:page:"


def cache_page_tags(request, *tags: str) -> None:
    """Let the page cache keep this response, dropped when any tag changes.
    Call it before reading what the page shows: the versions are read here."""
    request.page_cache_tags = {"site", *tags}
    _versions(request.page_cache_tags)


def mark_per_visitor(request) -> None:
    """This response shows something of this visitor's own (their pending
    comment, their remembered name): never store it, whatever the cookies
    said."""
    request.page_cache_per_visitor = True


def enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", True)


def eligible(request) -> bool:
    return enabled() and anonymous_read(request)


def _keep_private(response) -> None:
    """A page made for one visitor: no shared cache (CDN, edge) may keep it."""
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ["Cookie"])


def _key(request) -> str:
    """The entry's key: scheme, host, path, the page-shaping query
    parameters (others, such as `?utm_source=`, share the entry, so they
    cannot fill the cache with copies) and the language the page is in.
    Raises DisallowedHost for a host outside ALLOWED_HOSTS (never cached)."""
    query = keyed_query(request)
    language = request_language(request)
    raw = f"{request.scheme}|{request.get_host()}|{request.path}|{query}|{language}"
    return ENTRY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _cache_control(request, response, tags) -> None:
    """Browsers revalidate (our server cache answers fast); an edge or CDN
    keeps the page for s-maxage (bounded by the clock's next change), may
    serve it stale while it refetches, and purges it by its xkey tags."""
    max_age = edge_max_age(request, tags)
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={max_age}, "
        f"stale-while-revalidate={min(5 * max_age, 300)}"
    )
    response["xkey"] = xkey(tags)
    patch_vary_headers(response, ["Cookie"])


# This process's copies of entries, served only while the shared versions
# still match them (see _fresh), so a hit on Redis fetches no page.
_local = LocalCopies(size=lambda entry: len(entry["content"]))


def clear_local_copies() -> None:
    """Forget this process's copies (tests; the shared cache is untouched)."""
    _local.clear()


class PageCacheMiddleware:
    """The outermost middleware. A hit is answered here, before any other
    middleware runs: the stored response already carries the headers they
    added (security headers, CSP, Vary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_snapshot():
            return self._respond(request)

    def _respond(self, request):
        if not eligible(request):
            response = self.get_response(request)
            includes.mark(request, response)
            if has_visitor_cookie(request):
                _keep_private(response)
            return includes.assemble(request, response)
        try:
            key = _key(request)
        except DisallowedHost:
            return self.get_response(request)  # the inner stack answers 400
        entry = _local.get(key)
        if entry is None or not self._fresh(entry):
            entry = cache.get(key)
            if entry is not None and self._fresh(entry):
                _local.put(key, entry)
            else:
                entry = None
        if entry is not None:
            return includes.assemble(request, self._replay(request, entry))
        response = self.get_response(request)
        includes.mark(request, response)
        tags = getattr(request, "page_cache_tags", None)
        if getattr(request, "page_cache_per_visitor", False):
            _keep_private(response)
        elif tags and self._storable(response):
            self._store(request, key, response, tags)
            response["X-Page-Cache"] = "miss"
        return includes.assemble(request, response)

    @staticmethod
    def _fresh(entry) -> bool:
        if entry["expires"] <= time.time():
            return False
        return _versions(entry["versions"].keys()) == entry["versions"]

    @staticmethod
    def _storable(response) -> bool:
        """Only what is the same for every visitor: no cookie set, no
        per-request nonce in the CSP."""
        if response.status_code != 200 or response.streaming:
            return False
        if response.cookies:
            return False
        return "'nonce-" not in response.get("Content-Security-Policy", "")

    def _store(self, request, key, response, tags):
        _cache_control(request, response, tags)
        # The validator stored with the page: made once from its bytes, so
        # it changes whenever anything the page shows changes.
        set_response_etag(response)
        headers = {
            k: v
            for k, v in response.items()
            if k.lower() not in {"content-length", "x-page-cache"}
        }
        # A scheduled story still appears on time in every listing: once it
        # is due, reading the "lists" version moves it on (tagversions).
        ttl = getattr(settings, "NEWSROOM_PAGE_CACHE_SECONDS", 300)
        expires = time.time() + ttl
        entry = {
            "versions": _versions(tags),
            "expires": expires,
            "status": response.status_code,
            "headers": headers,
            "content": response.content,
        }
        cache.set(key, entry, max(1, int(expires - time.time())))

    @staticmethod
    def _replay(request, entry):
        response = HttpResponse(entry["content"], status=entry["status"])
        for header, value in entry["headers"].items():
            response[header] = value
        response["Content-Length"] = str(len(entry["content"]))
        response["X-Page-Cache"] = "hit"
        return response
