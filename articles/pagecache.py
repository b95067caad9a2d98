"""Page cache for anonymous readers, with precise invalidation.

Views opt in by declaring what a page depends on (`cache_page_tags(request,
...)`): "site" (sections, authors, tags: rare edits), "lists" (every listing:
home, section, tag, author pages, feeds, sitemaps) and "article:<pk>" (one
article page and its comments). Each tag has a version number in the shared
cache; an entry stores the versions it was rendered with and is served only
while they are unchanged, so bumping "article:42" drops that page alone.

Not cached: logged-in users and anyone with a session, a reader with a pending
comment (they must see "awaiting moderation"), previews, the admin, POSTs.
The comment form's CSRF token and the CSP nonce are replaced per request, so a
cached article page still posts and still passes the CSP.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.functional import empty

VERSION_PREFIX = "pagecache:v:"
ENTRY_PREFIX = "pagecache:page:"
BYPASS_COOKIES = ("newsroom_pending_comments",)
_CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"__NEWSROOM_CSRF__"
NONCE_PLACEHOLDER = b"__NEWSROOM_NONCE__"


def article_tag(pk) -> str:
    return f"article:{pk}"


def cache_page_tags(request, *tags: str, private: bool = False) -> None:
    """Let the page cache keep this response, dropped when any tag changes.
    `private`: the page holds per-visitor parts (the comment form's token), so
    shared caches (CDNs) must not keep it; the server-side cache still does."""
    request.page_cache_tags = {"site", *tags}
    request.page_cache_private = private


def bump(*tags: str) -> None:
    """Invalidate every cached page that depends on any of `tags`."""
    for tag in tags:
        key = VERSION_PREFIX + tag
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, int(time.time() * 1000), None)


def tag_version(tag: str) -> int:
    """The current version of one tag (for fragment caches keyed on it)."""
    return _versions([tag])[tag]


def _versions(tags) -> dict:
    """{tag: version} for `tags`, starting missing ones at the current time."""
    keys = {VERSION_PREFIX + t: t for t in tags}
    found = cache.get_many(list(keys))
    missing = {k: int(time.time() * 1000) for k in keys if k not in found}
    if missing:
        cache.set_many(missing, None)
        found.update(missing)
    return {keys[k]: v for k, v in found.items()}


def _enabled() -> bool:
    return getattr(settings, "NEWSROOM_PAGE_CACHE", True)


def _eligible(request) -> bool:
    if request.method not in ("GET", "HEAD") or not _enabled():
        return False
    if request.path.startswith(("/admin/", "/preview/", "/comments/", "/healthz")):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False  # logged in, or something per-visitor to show
    return not any(name in cookies for name in BYPASS_COOKIES)


def _key(request) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}".encode()
    return ENTRY_PREFIX + hashlib.sha256(raw).hexdigest()


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


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        entry = cache.get(key)
        if entry is not None and self._fresh(entry):
            return self._replay(request, entry)
        response = self.get_response(request)
        tags = getattr(request, "page_cache_tags", None)
        if tags and response.status_code == 200 and not response.streaming:
            self._store(request, key, response, tags)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _fresh(entry) -> bool:
        if entry["expires"] <= time.time():
            return False
        return _versions(entry["versions"].keys()) == entry["versions"]

    def _store(self, request, key, response, tags):
        from .models import Article

        private = getattr(request, "page_cache_private", False)
        _cache_control(response, private)
        content = _CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
        nonce = getattr(request, "_csp_nonce", None)
        if nonce is not None and nonce._wrapped is not empty:
            content = content.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
        ttl = getattr(settings, "NEWSROOM_PAGE_CACHE_SECONDS", 300)
        expires = time.time() + ttl
        if "lists" in tags:
            # A scheduled story must appear on time in every listing: expire
            # when the next one is due.
            due = Article.objects.next_scheduled_time()
            if due is not None:
                expires = min(expires, due.timestamp())
        headers = {
            k: v
            for k, v in response.items()
            if k.lower() not in {"set-cookie", "content-length"}
        }
        entry = {
            "versions": _versions(tags),
            "expires": expires,
            "status": response.status_code,
            "headers": headers,
            "content": content,
        }
        cache.set(key, entry, max(1, int(expires - time.time())))

    @staticmethod
    def _replay(request, entry):
        content = entry["content"]
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        if NONCE_PLACEHOLDER in content:
            nonce = getattr(request, "_csp_nonce", None)
            content = content.replace(NONCE_PLACEHOLDER, str(nonce).encode())
        response = HttpResponse(content, status=entry["status"])
        for header, value in entry["headers"].items():
            response[header] = value
        response["X-Page-Cache"] = "hit"
        return response
