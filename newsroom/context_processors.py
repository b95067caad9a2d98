from django.conf import settings


def site(request):
    """The site's name, for headers, titles and feeds."""
    return {"site_name": settings.NEWSROOM_SITE_NAME}
