"""The audit log: read-only, filtered to what the viewer may see."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
)
from django.urls import path

from infra.admin import ReadOnlyAdminMixin
from infra.spreadsheet import SafeWriter

from ..models import (
    AuditEntry,
)

User = get_user_model()


class ObjectTypeFilter(admin.AllValuesFieldListFilter):
    """Entries about no object (a sign-in, a setting) are listed as
    "(none)", not as a link without text."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "display": choice["display"] or "(none)"}


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: read, filter, export; never written from here."""

    list_display = ["at", "actor", "action", "summary", "object_type", "object_id"]
    list_filter = [
        "action",
        ("object_type", ObjectTypeFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "at",
    ]
    search_fields = ["summary", "object_id", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    actions = None

    def get_queryset(self, request):
        """Entries about a story this user may not open are left out (the
        list, its search and the CSV export alike)."""
        return super().get_queryset(request).visible_to(request.user)

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="articles_auditentry_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The entries the list shows (same filters and search), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                "The filters in this address are not valid: open the audit log, "
                "filter it there and export again.",
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        writer = SafeWriter(response)
        writer.writerow(
            ["at", "actor", "action", "object_type", "object_id", "summary"]
        )
        for entry in changelist.get_queryset(request).iterator():
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.actor.get_username() if entry.actor else "",
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.summary,
                ]
            )
        return response


# Staff accounts: Django's user admin, with the button an editor uses to
# send someone a link to set their password (articles.accounts).
admin.site.unregister(User)
