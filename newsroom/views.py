"""Project-level endpoints: health check and the last-resort error page."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from .middleware import DatabaseUnavailableMiddleware


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def server_error(request):
    """500 page; a database outage anywhere in the stack becomes a 503."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return DatabaseUnavailableMiddleware.unavailable(error)
    return HttpResponse(render_to_string("500.html"), status=500)
