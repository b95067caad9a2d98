"""Page cache for anonymous readers, with precise invalidation.

Views opt in by declaring what a page depends on (`cache_page_tags(request,
...)`): "site" (sections, authors, tags: rare edits), "lists" (every listing:
home, section, tag, author pages, feeds, sitemaps) and "article:<pk>" (one
article page and its comments). Each tag has a version number in the shared
cache; an entry stores the versions it was rendered with and is served only
while they are unchanged, so bumping "article:42" drops that page alone.

Not cached: any request carrying a per-visitor cookie (settings.
NEWSROOM_VISITOR_COOKIES: a session, messages, a reader's pending comments or
remembered name and e-mail), previews, the admin, POSTs; nor a response that
marked itself as holding visitor data (`mark_per_visitor`). Pages are keyed
on the query parameters in NEWSROOM_PAGE_QUERY_PARAMS only, and on the
language (one copy per language when the site follows the browser's).
The middleware runs first, so a hit costs no other middleware: the stored
response keeps the headers the rest of the stack added, and the comment form's
CSRF token and the CSP nonce are made fresh per request, so a cached article
page still posts and still passes the CSP.
"""

import hashlib
import os
import re
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import empty

from newsroom.middleware import request_language

from .fragments import LocalCopies
from .tagversions import request_snapshot
from .tagversions import versions as _versions

ENTRY_PREFIX = "pagecache:page:"
_CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"__NEWSROOM_CSRF__"
NONCE_PLACEHOLDER = b"__NEWSROOM_NONCE__"
_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)


def cache_page_tags(request, *tags: str, private: bool = False) -> None:
    """Let the page cache keep this response, dropped when any tag changes.
    Call it before reading what the page shows: the versions are read here.
    `private`: the page holds per-visitor parts (the comment form's token), so
    shared caches (CDNs) must not keep it; the server-side cache still does."""
    request.page_cache_tags = {"site", *tags}
    request.page_cache_private = private
    _versions(request.page_cache_tags)


def mark_per_visitor(request) -> None:
    """This response shows something of this visitor's own (their pending
    comment, their remembered name): never store it, whatever the cookies
    said."""
    request.page_cache_per_visitor = True


def _enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", True)


_SKIP_PREFIXES = ("/admin/", "/preview/", "/comments/", "/healthz")


def _eligible(request) -> bool:
    if request.method not in ("GET", "HEAD") or not _enabled():
        return False
    path = request.path
    if path.startswith(_SKIP_PREFIXES) or path.startswith(
        (settings.STATIC_URL, settings.MEDIA_URL)
    ):
        return False
    return not _has_visitor_cookie(request)


def _has_visitor_cookie(request) -> bool:
    cookies = request.COOKIES
    return any(name in cookies for name in settings.NEWSROOM_VISITOR_COOKIES)


def _keep_private(response) -> None:
    """A page made for one visitor: no shared cache (CDN, edge) may keep it."""
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ["Cookie"])


def _key(request) -> str:
    """The entry's key: scheme, host, path, the page-shaping query
    parameters (others, such as `?utm_source=`, share the entry, so they
    cannot fill the cache with copies) and the language the page is in.
    Raises DisallowedHost for a host outside ALLOWED_HOSTS (never cached)."""
    query = ""
    if request.META.get("QUERY_STRING"):
        query = urlencode(
            sorted(
                (name, value)
                for name in settings.NEWSROOM_PAGE_QUERY_PARAMS
                for value in request.GET.getlist(name)
            )
        )
    language = request_language(request)
    raw = f"{request.scheme}|{request.get_host()}|{request.path}|{query}|{language}"
    return ENTRY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _cache_control(response, private: bool) -> None:
    if private:
        response["Cache-Control"] = "no-cache"
    else:
        max_age = getattr(settings, "NEWSROOM_CDN_MAX_AGE", 60)
        # Browsers revalidate (our server cache answers fast); CDNs keep the
        # page for s-maxage and may serve it stale while they refetch.
        response["Cache-Control"] = (
            f"public, max-age=0, s-maxage={max_age}, "
            f"stale-while-revalidate={5 * max_age}"
        )
    patch_vary_headers(response, ["Cookie"])


_ALPHABET = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_UNBIASED = 256 - 256 % len(_ALPHABET)


def _random_csrf_string() -> str:
    """CSRF_SECRET_LENGTH characters of CSRF_ALLOWED_CHARS, uniformly from the
    OS's CSPRNG (bytes over the largest multiple of 62 are dropped), in one
    urandom call instead of Django's one call per character (the hot spot of
    a cache hit)."""
    out = []
    while len(out) < CSRF_SECRET_LENGTH:
        out.extend(
            _ALPHABET[b % len(_ALPHABET)] for b in os.urandom(48) if b < _UNBIASED
        )
    return "".join(out[:CSRF_SECRET_LENGTH])


def _mask(secret: str) -> str:
    """The form token for `secret`, by the cipher CsrfViewMiddleware checks
    (mask + (secret + mask) mod 62, per character)."""
    mask = _random_csrf_string()
    n = len(_ALPHABET)
    return mask + "".join(
        _ALPHABET[(_INDEX[s] + _INDEX[m]) % n]
        for s, m in zip(secret, mask, strict=True)
    )


def _csrf_token(request, response) -> bytes:
    """The visitor's masked CSRF token, as CsrfViewMiddleware would give it
    (a hit never reaches that middleware): their cookie's secret when it is
    well formed, else a new secret; the cookie is (re)sent either way, as
    Django renews it whenever the token is used."""
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if len(secret) != CSRF_SECRET_LENGTH or not set(secret) <= _CSRF_CHARS:
        secret = _random_csrf_string()
    response.set_cookie(
        settings.CSRF_COOKIE_NAME,
        secret,
        max_age=settings.CSRF_COOKIE_AGE,
        domain=settings.CSRF_COOKIE_DOMAIN,
        path=settings.CSRF_COOKIE_PATH,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=settings.CSRF_COOKIE_HTTPONLY,
        samesite=settings.CSRF_COOKIE_SAMESITE,
    )
    return _mask(secret).encode()


# This process's copies of entries, served only while the shared versions
# still match them (see _fresh), so a hit on Redis fetches no page.
_local = LocalCopies(size=lambda entry: len(entry["content"]))


def clear_local_copies() -> None:
    """Forget this process's copies (tests; the shared cache is untouched)."""
    _local.clear()


class PageCacheMiddleware:
    """The outermost middleware. A hit is answered here, before any other
    middleware runs: the stored response already carries the headers they
    added (security headers, CSP with a nonce placeholder, Vary), and the two
    per-request parts, the CSP nonce and the CSRF token (plus its cookie for a
    new visitor), are made here exactly as Django's middleware makes them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_snapshot():
            return self._respond(request)

    def _respond(self, request):
        if not _eligible(request):
            response = self.get_response(request)
            if _has_visitor_cookie(request):
                _keep_private(response)
            return response
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
            return self._replay(request, entry)
        response = self.get_response(request)
        tags = getattr(request, "page_cache_tags", None)
        if getattr(request, "page_cache_per_visitor", False):
            _keep_private(response)
        elif tags and self._storable(response):
            self._store(request, key, response, tags)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _fresh(entry) -> bool:
        if entry["expires"] <= time.time():
            return False
        return _versions(entry["versions"].keys()) == entry["versions"]

    @staticmethod
    def _storable(response) -> bool:
        if response.status_code != 200 or response.streaming:
            return False
        # Only the CSRF cookie is per visitor and re-made on a hit; a page
        # that sets any other cookie is not shared (nor one whose CSRF secret
        # lives in the session).
        if settings.CSRF_USE_SESSIONS and _CSRF_FIELD.search(response.content):
            return False
        return set(response.cookies) <= {settings.CSRF_COOKIE_NAME}

    def _store(self, request, key, response, tags):
        private = getattr(request, "page_cache_private", False)
        _cache_control(response, private)
        content = _CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
        headers = {
            k: v
            for k, v in response.items()
            if k.lower() not in {"content-length", "x-page-cache"}
        }
        nonce = getattr(request, "_csp_nonce", None)
        has_nonce = nonce is not None and nonce._wrapped is not empty
        if has_nonce:
            value = str(nonce)
            content = content.replace(value.encode(), NONCE_PLACEHOLDER)
            placeholder = NONCE_PLACEHOLDER.decode()
            headers = {k: v.replace(value, placeholder) for k, v in headers.items()}
        # A scheduled story still appears on time in every listing: once it
        # is due, reading the "lists" version moves it on (tagversions).
        ttl = getattr(settings, "NEWSROOM_PAGE_CACHE_SECONDS", 300)
        expires = time.time() + ttl
        entry = {
            "versions": _versions(tags),
            "expires": expires,
            "status": response.status_code,
            "headers": headers,
            "nonce": has_nonce,
            "content": content,
        }
        cache.set(key, entry, max(1, int(expires - time.time())))

    @staticmethod
    def _replay(request, entry):
        content = entry["content"]
        headers = entry["headers"]
        response = HttpResponse(status=entry["status"])
        if entry["nonce"]:
            nonce = secrets.token_urlsafe(16)  # as django.utils.csp.LazyNonce
            content = content.replace(NONCE_PLACEHOLDER, nonce.encode())
            placeholder = NONCE_PLACEHOLDER.decode()
            headers = {k: v.replace(placeholder, nonce) for k, v in headers.items()}
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, _csrf_token(request, response))
        response.content = content
        for header, value in headers.items():
            response[header] = value
        response["Content-Length"] = str(len(content))
        response["X-Page-Cache"] = "hit"
        return response
