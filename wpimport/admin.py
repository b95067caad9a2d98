from django.contrib import admin
from django.db import transaction
from django.utils.html import format_html, format_html_join

from .models import ImportRun
from .tasks import run_import


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Import from WordPress: upload a WXR (and optionally the uploads zip);
    the import runs in the background and its report shows here."""

    list_display = [
        "__str__",
        "export_file",
        "dry_run",
        "status",
        "progress_column",
        "created_at",
    ]
    list_filter = ["status"]
    fields = ["export_file", "uploads_zip", "dry_run"]
    readonly_fields = [
        "status",
        "progress_column",
        "report_column",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    ]
    change_form_template = "admin/wpimport/importrun/change_form.html"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.fields, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        run_id = obj.pk
        transaction.on_commit(lambda: run_import.enqueue(run_id))

    @admin.display(description="Progress")
    def progress_column(self, obj):
        p = obj.progress or {}
        if not p.get("total"):
            return "—"
        return f"{p['done']} / {p['total']} {p.get('stage', '')}"

    @admin.display(description="Report")
    def report_column(self, obj):
        report = obj.report or {}
        if not report:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            (
                (kind, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
                for kind, counts in report.get("counts", {}).items()
            ),
        )
        warnings = format_html_join(
            "",
            "<li>{}: {}</li>",
            ((w["item"], w["message"]) for w in report.get("warnings", [])),
        )
        return format_html(
            "<table>{}</table><p>{} warning(s)</p><ul>{}</ul>",
            rows,
            len(report.get("warnings", [])),
            warnings,
        )
