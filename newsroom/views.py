"""Project-level endpoints: health check and the last-resort error page."""

import logging
import sys

from django.core.cache import caches
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
)
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers).
    The shared cache is reported but never fails the check: without it pages
    are served uncached (newsroom.cache)."""
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
