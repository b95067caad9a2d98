"""What several apps' admin pages share."""


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
