from django.utils.functional import SimpleLazyObject

from .models import Section


def navigation(request):
    """Sections for the site navigation; queried only when a page renders it."""
    return {"nav_sections": SimpleLazyObject(lambda: list(Section.objects.all()))}
