"""Project-wide HTTP plumbing: request size limit, CSP hashes for inline
import maps, and the language a request is answered in. (Database outages
become 503 pages in infra.views.server_error.)"""

import base64
import hashlib
import logging
import re

from django.conf import settings
from django.db import DataError
from django.db.models import Sum
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csp import get_nonce
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.csp import CSP, build_policy
from psycopg.errors import NumericValueOutOfRange

from .clientip import client_ip

logger = logging.getLogger(__name__)

DRAIN_BYTES = 16 * 1024 * 1024


class RequestSizeLimitMiddleware:
    """Refuse bodies over the limit with 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.NEWSROOM_MAX_PUBLIC_REQUEST_BYTES
        if request.path.startswith("/admin/wpimport/"):
            limit = settings.NEWSROOM_MAX_IMPORT_BYTES
        elif request.path.startswith("/admin/"):
            limit = settings.NEWSROOM_MAX_REQUEST_BYTES
        if length > limit:
            body = render_to_string(
                "413.html", {"limit_mb": max(1, limit // (1024 * 1024))}
            )
            # No "Connection: close": it is hop-by-hop, which WSGI forbids an
            # application to set (runserver answered 500). A body up to
            # DRAIN_BYTES is read and dropped, so the reader gets this page
            # and the kept-alive connection is clean on every server; a larger
            # one is left to the server, which closes the connection.
            if length <= DRAIN_BYTES:
                while request.read(64 * 1024):
                    pass
            return HttpResponse(body, status=413)
        return self.get_response(request)


class HealthzMiddleware:
    """/healthz for load balancers and the edge's probes, answered before any
    other middleware: whatever Host the probe carries (it names the app
    server, not the site), never redirected to HTTPS, no session, no cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            from .views import healthz

            return healthz(request)
        return self.get_response(request)


class LoginSprayMiddleware:
    """One address trying a password on many usernames: once the failures
    from it (any usernames, counted in django-axes' own records within its
    cool-off) reach NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT, its sign-in posts
    answer the lockout page until the cool-off has passed. Axes' limit per
    (username, address) stays the lower one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == reverse("admin:login"):
            if self._failures(client_ip(request)) >= (
                settings.NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT
            ):
                logger.warning("Login refused: too many failures from one address")
                return render(
                    request,
                    "lockout.html",
                    {
                        "address_wide": True,
                        "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
                    },
                    status=429,
                )
        return self.get_response(request)

    @staticmethod
    def _failures(address) -> int:
        from axes.models import AccessAttempt

        since = timezone.now() - settings.AXES_COOLOFF_TIME
        total = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=since
        ).aggregate(n=Sum("failures_since_start"))["n"]
        return total or 0


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (NEWSROOM_PERMISSIONS_POLICY):
    camera, microphone, geolocation and the rest are off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", settings.NEWSROOM_PERMISSIONS_POLICY
        )
        return response


class OddValueMiddleware:
    """A value in the address beyond what the site can hold (a year past any
    calendar, an id past the database's integers, in our views or in the
    admin's own filters) is the visitor's error, answered 400, never 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        odd = isinstance(exception, OverflowError) or (
            isinstance(exception, DataError)
            and isinstance(exception.__cause__, NumericValueOutOfRange)
        )
        if not odd:
            return None
        logger.warning("Odd value in %s: %s", request.path, exception)
        return HttpResponseBadRequest(render_to_string("400.html", request=request))


_IMPORTMAP = re.compile(rb'<script type="importmap"[^>]*>(.*?)</script>', re.S)


class InlineImportMapHashMiddleware:
    """The rich-text editor's inline <script type="importmap"> is allowed by
    its SHA-256 hash (CSP), so no 'unsafe-inline' is ever needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False) or "text/html" not in content_type:
            return response
        hashes = [
            f"'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'"
            for m in _IMPORTMAP.findall(response.content)
        ]
        if hashes:
            # Django's CSP middleware (outside this one) leaves a policy the
            # response already has as it is (its documented way for a view
            # to set its own).
            config = {**settings.SECURE_CSP}
            config["script-src"] = [*config.get("script-src", [CSP.SELF]), *hashes]
            response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(
                config, get_nonce(request)
            )
        return response


_NOT_READER_PAGES = ("/admin/", "/preview/", "/comments/", "/healthz")


def anonymous_read(request) -> bool:
    """A GET or HEAD of a reader page by a visitor with nothing of their own
    in it (no session, no pending comment, no remembered name: settings.
    NEWSROOM_VISITOR_COOKIES). What the page cache may keep, and what may be
    read from a replica."""
    if request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False  # an API key's answers are its own (api/middleware.py)
    path = request.path
    if path.startswith(_NOT_READER_PAGES) or path.startswith(
        (settings.STATIC_URL, settings.MEDIA_URL)
    ):
        return False
    return not has_visitor_cookie(request)


def has_visitor_cookie(request) -> bool:
    cookies = request.COOKIES
    return any(name in cookies for name in settings.NEWSROOM_VISITOR_COOKIES)


def request_language(request) -> str:
    """The language a request is answered in: the site's (LANGUAGE_CODE), or
    with NEWSROOM_LANGUAGE_FROM_BROWSER the reader's choice among LANGUAGES
    (language cookie, then Accept-Language). The page cache keys on it."""
    if settings.NEWSROOM_LANGUAGE_FROM_BROWSER:
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class SiteLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware when the site follows the browser's language
    (it activates the reader's and adds Vary: Accept-Language); otherwise the
    site's language for everyone, and no Vary."""

    def process_request(self, request):
        if settings.NEWSROOM_LANGUAGE_FROM_BROWSER:
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE

    def process_response(self, request, response):
        if settings.NEWSROOM_LANGUAGE_FROM_BROWSER:
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response


class CompressTextMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH padding) for text a client accepts
    compressed: HTML, feeds, sitemaps, JSON, CSS, JavaScript, SVG. Images
    and other formats that are compressed already go as they are. Outside
    the page cache, so it stores one uncompressed copy and every client
    gets what it accepts; an edge in front stores the compressed one."""

    COMPRESSIBLE = (
        "text/",
        "application/json",
        "application/ld+json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/javascript",
        "image/svg+xml",
    )

    def process_response(self, request, response):
        media_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not media_type.startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)
