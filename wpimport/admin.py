from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles import audit
from articles.images import refuse_uploads_while_storage_is_down
from infra.admin import NamedFieldsMixin

from .models import ImportRun
from .services import wordpress_authors
from .tasks import import_files_delete, run_import
from .wxr import NotWXR


class ImportRunForm(forms.ModelForm):
    class Meta:
        model = ImportRun
        fields = ["export_file", "uploads_zip", "dry_run"]

    def clean(self):
        cleaned = super().clean()
        refuse_uploads_while_storage_is_down(self)
        return cleaned

    def clean_export_file(self):
        """The export must be one WordPress wrote; its authors are read now,
        for the person importing to match them (the next step)."""
        upload = self.cleaned_data["export_file"]
        try:
            upload.seek(0)
            self.authors = wordpress_authors(upload)
        except NotWXR as error:
            raise forms.ValidationError(
                f"This is not a WordPress export: {error}."
            ) from None
        finally:
            upload.seek(0)
        return upload


NEW_ACCOUNT = ""


class AuthorMatchForm(forms.Form):
    """One choice per author of the export: a new account (the default), or
    an existing account the person importing knows to be the same person."""

    def __init__(self, *args, authors, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (NEW_ACCOUNT, "A new account (no staff rights, no password)"),
            *((user.username, _account_label(user)) for user in accounts),
        ]
        taken = {user.username.lower() for user in accounts}
        for i, author in enumerate(authors):
            note = ""
            if author["login"].lower() in taken:
                note = (
                    f" An account named “{author['login']}” exists: choose it "
                    "only if it is the same person; the import never changes it."
                )
            email = author["email"] or "no e-mail"
            self.fields[f"author_{i}"] = forms.ChoiceField(
                label=f"{author['name'] or author['login']} "
                f"(WordPress login “{author['login']}”, {email})",
                choices=choices,
                required=False,
                initial=NEW_ACCOUNT,
                help_text=note.strip(),
            )
        self.authors = authors

    def author_map(self) -> dict[str, str]:
        return {
            author["login"]: self.cleaned_data[f"author_{i}"]
            for i, author in enumerate(self.authors)
            if self.cleaned_data[f"author_{i}"] != NEW_ACCOUNT
        }


def _account_label(user) -> str:
    name = user.get_full_name()
    staff = " · staff" if user.is_staff else ""
    return f"{user.username}" + (f" ({name})" if name else "") + staff


@admin.register(ImportRun)
class ImportRunAdmin(NamedFieldsMixin, admin.ModelAdmin):
    """Import from WordPress: upload a WXR (and optionally the uploads zip),
    match its authors to accounts (or let them become new ones); the import
    then runs in the background and its report shows here."""

    form = ImportRunForm
    list_display = [
        "__str__",
        "export_name",
        "dry_run",
        "status",
        "progress_column",
        "created_at",
    ]
    list_filter = ["status"]
    fields = ["export_file", "uploads_zip", "dry_run"]
    readonly_fields = [
        "export_name",
        "status",
        "authors_column",
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
        return ["dry_run", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["dry_run", *self.readonly_fields]

    def get_urls(self):
        return [
            path(
                "<int:pk>/authors/",
                self.admin_site.admin_view(self.authors_view),
                name="wpimport_importrun_authors",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        obj.export_name = form.cleaned_data["export_file"].name[:255]
        obj.authors = form.authors
        obj.status = (
            ImportRun.Status.AUTHORS if obj.authors else ImportRun.Status.QUEUED
        )
        super().save_model(request, obj, form, change)
        if obj.status == ImportRun.Status.QUEUED:
            run_id = obj.pk
            transaction.on_commit(lambda: run_import.enqueue(run_id))

    def response_add(self, request, obj, post_url_continue=None):
        if obj.status == ImportRun.Status.AUTHORS:
            return HttpResponseRedirect(
                reverse("admin:wpimport_importrun_authors", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def authors_view(self, request, pk):
        """The mapping step: each author of the export is matched to an
        existing account only when the person importing says so."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=pk)
        change_url = reverse("admin:wpimport_importrun_change", args=[run.pk])
        if run.status != ImportRun.Status.AUTHORS:
            return HttpResponseRedirect(change_url)
        accounts = get_user_model().objects.order_by("username")
        form = AuthorMatchForm(
            request.POST if request.method == "POST" else None,
            authors=run.authors,
            accounts=accounts,
        )
        if request.method == "POST" and "cancel" in request.POST:
            import_files_delete(run)
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.Status.FAILED, error="cancelled before importing"
            )
            self.message_user(request, "Import cancelled; its files are deleted.")
            return HttpResponseRedirect(change_url)
        if request.method == "POST" and form.is_valid():
            author_map = form.author_map()
            with transaction.atomic():
                updated = ImportRun.objects.filter(
                    pk=run.pk, status=ImportRun.Status.AUTHORS
                ).update(author_map=author_map, status=ImportRun.Status.QUEUED)
                if updated:
                    audit.record(
                        request.user,
                        "import authors matched",
                        run,
                        summary=(
                            "; ".join(f"{k} → {v}" for k, v in author_map.items())
                            or "every author a new account"
                        ),
                    )
                    transaction.on_commit(lambda: run_import.enqueue(run.pk))
            self.message_user(
                request, "Authors matched; the import is running.", messages.SUCCESS
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Match the export's authors",
            "run": run,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/wpimport/importrun/authors.html", context
        )

    def delete_model(self, request, obj):
        import_files_delete(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for run in queryset:
            import_files_delete(run)
        super().delete_queryset(request, queryset)

    @admin.display(description="Authors")
    def authors_column(self, obj):
        if not obj.authors:
            return "—"
        matched = obj.author_map or {}
        return format_html_join(
            "",
            "<div>{} → {}</div>",
            (
                (
                    author["login"],
                    f"existing account “{matched[author['login']]}”"
                    if author["login"] in matched
                    else "a new account",
                )
                for author in obj.authors
            ),
        )

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
