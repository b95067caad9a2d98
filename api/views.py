"""What the API answers outside its versions' routes."""

from django.views.decorators.http import require_GET

from .v1 import problem


@require_GET
def api_not_found(request, *args, **kwargs):
    """An address under /api/ that is not one: a JSON problem (RFC 9457)."""
    return problem(request, 404, "Not found", "No such address in the API.")
