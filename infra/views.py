"""Project-level endpoints: health check and the last-resort error page."""

import logging
import sys

from django.contrib.auth.views import redirect_to_login
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, storages
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
)
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.static import serve

logger = logging.getLogger(__name__)


@never_cache
def private_media(request, path):
    """An upload kept on this server's disk (an original image with its EXIF
    and GPS data, a WordPress export with commenters' addresses), for staff
    only: imports for superusers alone. Sent as a download, never cached,
    never run as a page."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path())
    if path.startswith("imports/") and not user.is_superuser:
        raise PermissionDenied
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise Http404("Media are in object storage")
    response = serve(request, path, document_root=storage.location)
    response["Content-Disposition"] = "attachment"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    patch_cache_control(response, private=True, no_store=True)
    return response


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers).
    The shared cache is reported but never fails the check: without it pages
    are served uncached (caching.cache)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    cache_up = getattr(caches["default"], "available", True)
    return JsonResponse(
        {"status": "ok", "database": "up", "cache": "up" if cache_up else "down"}
    )


def server_error(request):
    """500 page. A database outage, wherever in the stack it surfaces, becomes
    a plain 503 page instead; connections are health-checked, so the site
    recovers by itself once PostgreSQL is back."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        logger.error("Database unavailable: %s", error)
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
