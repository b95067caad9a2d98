"""Cross-origin protection for endpoints that cached pages post to.

A page cached for everyone (the page cache, the edge) cannot carry a
per-visitor CSRF token. The public comment form therefore has none, and its
endpoint refuses forged cross-site posts the way browsers make possible
today (the approach of Go 1.25's http.CrossOriginProtection):

- `Sec-Fetch-Site` (sent by every current browser): only `same-origin` or
  `none` (typed by the user) pass; `same-site` and `cross-site` are refused;
- `Origin` (sent by browsers on every POST): when present it must be one of
  the origins the site is served at: NEWSROOM_BASE_URL, each exact name of
  ALLOWED_HOSTS with the base URL's scheme and port (a reader at
  http://localhost:8080 of a cluster at http://127.0.0.1:8080), or one of
  CSRF_TRUSTED_ORIGINS; never compared with whatever Host arrived, and a
  wildcard (`*`, `.example.com`) never widens it;
- a request with neither header does not come from a browser, so it cannot
  be a cross-site request forgery (scripts and tools may post).

Logged-in users are not exempt: their posts carry Django's token and are
checked by Django's own CsrfViewMiddleware (see `django_csrf_refusal`).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
ALLOWED_FETCH_SITES = {"same-origin", "none"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def site_origins(request) -> set[str]:
    """The origins the site's own pages are served from."""
    origins = {_origin(o) for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o}
    if settings.NEWSROOM_BASE_URL:
        base = urlsplit(settings.NEWSROOM_BASE_URL)
        origins.add(_origin(settings.NEWSROOM_BASE_URL))
        port = f":{base.port}" if base.port else ""
        for host in settings.ALLOWED_HOSTS:
            if host and "*" not in host and not host.startswith("."):
                origins.add(f"{base.scheme}://{host}{port}".lower())
    else:
        # Development and tests only (check --deploy requires the setting):
        # the host was validated against ALLOWED_HOSTS.
        origins.add(_origin(request.build_absolute_uri("/")))
    return origins


def cross_origin_refusal(request) -> str | None:
    """Why this request must be refused as cross-origin, or None."""
    if request.method in SAFE_METHODS:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ALLOWED_FETCH_SITES:
        return f"Sec-Fetch-Site: {fetch_site}"
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in site_origins(request):
        return f"Origin: {origin}"
    return None


def django_csrf_refusal(request):
    """Django's own CSRF check (token and cookie) on this request: None when
    it passes, else the failure response Django would give."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
