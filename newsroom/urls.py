from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from . import views

handler500 = "newsroom.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]


def serve_media(request, path):
    """Uploaded files, for the dev runner and `make serve` (not production)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.NEWSROOM_SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve_media)]
