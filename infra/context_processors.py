from django.conf import settings


def site(request):
    """The site's name, for headers, titles and feeds."""
    return {"site_name": settings.NEWSROOM_SITE_NAME}


def admin_user_with(request, permission: str) -> bool:
    """An admin page seen by a signed-in user holding `permission` (where
    the navigation's counts are shown)."""
    user = getattr(request, "user", None)
    return (
        request.path.startswith("/admin/")
        and user is not None
        and user.is_authenticated
        and user.has_perm(permission)
    )
