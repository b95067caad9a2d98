from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from api.v1 import api as api_v1
from api.views import api_not_found
from articles.accounts import StaffPasswordResetView
from articles.views import serve_media
from infra import views

handler500 = "infra.views.server_error"

# The back office says whose it is.
admin.site.site_header = settings.NEWSROOM_SITE_NAME
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} admin"

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
    # The content API (api/): versioned; an unknown address in it answers a
    # JSON problem, not the site's HTML page.
    path("api/v1/", api_v1.urls),
    re_path(r"^api/", api_not_found),
    path("", include("comments.urls")),
    path("", include("newsletters.urls")),
    path("", include("audience.urls")),
    path("", include("articles.urls")),
]


if settings.NEWSROOM_SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve_media)]
