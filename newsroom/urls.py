from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve

from articles.accounts import StaffPasswordResetView
from articles.images import PUBLIC_FOLDERS

from . import views

handler500 = "newsroom.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Uploads kept on this server's disk (originals with their EXIF data,
    # WordPress exports): staff only, never cached (object storage signs
    # its own links instead).
    path("admin/private-media/<path:path>", views.private_media, name="private_media"),
    # Staff password reset (Django's views; links at NEWSROOM_BASE_URL, rate
    # limited: articles/accounts.py). The admin's login page links to it.
    path(
        "admin/password_reset/",
        StaffPasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]


def serve_media(request, path):
    """The public media (renditions, body images, author squares) for the
    dev runner, `make serve` and app servers without an object store: only
    the public folders; an upload itself is never served here."""
    if path.split("/", 1)[0] not in PUBLIC_FOLDERS:
        raise Http404("Not a public file")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.NEWSROOM_SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve_media)]
