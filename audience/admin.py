""" "Now" in the back office (audience/now.py): the list of view counts is
this page; counts are never edited."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from articles.models import can_publish
from infra.admin import ReadOnlyAdminMixin

from .models import ViewCount
from .now import now_figures


@admin.register(ViewCount)
class ViewCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def get_urls(self):
        return [
            path(
                "",
                self.admin_site.admin_view(self.now_view),
                name="audience_viewcount_changelist",
            )
        ]

    def now_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = now_figures(request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Now: what readers read",
            "now": figures,
            "time_zone": timezone.get_current_timezone_name(),
            "everyone": can_publish(request.user),
        }
        return TemplateResponse(request, "admin/audience/now.html", context)
