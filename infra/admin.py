"""What several apps' admin pages share."""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets


class ReadOnlyAdminMixin:
    """A ModelAdmin whose rows are written only by the site's services (a
    log, a ledger): nobody adds, changes or deletes them here; viewing, and
    actions that declare their own permission, remain."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AutocompleteSelect(widgets.AutocompleteSelect):
    """Django's autocomplete with an empty first choice reading "—", also
    for a required field: an empty <option>, or a required <select> without
    one, is invalid HTML."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        if self.is_required and not self.allow_multiple_selected:
            # Django leaves it out for a required field; HTML wants a
            # required <select> to begin with one.
            groups[0][1].insert(0, self.create_option(name, "", "", False, 0))
        return groups

    def create_option(self, name, value, label, *args, **kwargs):
        return super().create_option(name, value, label or "—", *args, **kwargs)


class NamedFieldsMixin:
    """For a ModelAdmin or an inline: every input has an accessible name.
    Django's admin names a field with <label for>, except a file input (in a
    fieldset whose legend names the group): it gets an aria-label with the
    field's label. The select2 boxes of autocomplete fields, and the body
    editor, are named from their field's label by admin/js/named_fields.js."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, forms.FileInput):
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @property
    def media(self):
        return super().media + forms.Media(js=["admin/js/named_fields.js"])


class NamedTabularInline(NamedFieldsMixin, admin.TabularInline):
    """A tabular inline whose cells' inputs are named after their column
    (the column heading alone names none), the Delete box included."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class NamedCells(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    if not field.widget.is_hidden:
                        # The widget itself, inside a related-field wrapper.
                        widget = getattr(field.widget, "widget", field.widget)
                        widget.attrs.setdefault("aria-label", str(field.label))

        return NamedCells
