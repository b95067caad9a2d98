from django.utils.functional import SimpleLazyObject

from .models import Section


def navigation(request):
    """Sections for the site navigation; queried only when a page renders it,
    and at most once per request (the home page's section blocks reuse it)."""
    sections = getattr(request, "_nav_sections", None)
    if sections is None:
        sections = SimpleLazyObject(lambda: list(Section.objects.all()))
        request._nav_sections = sections
    return {"nav_sections": sections}
