"""The newsroom's publishing roles as groups (used by a data migration)."""

from .models import PUBLISH_PERMISSION

BYLINE_PERMS = [
    f"articles.{action}_articleauthor" for action in ("add", "change", "delete", "view")
]

ROLES = {
    "Journalist": [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.view_section",
        "articles.add_tag",  # as WordPress authors may (not sections)
        "articles.view_tag",
        "articles.view_authorprofile",
        "articles.change_authorprofile",
        "articles.view_articlerevision",
        *BYLINE_PERMS,
        "articles.add_liveentry",
        "articles.view_liveentry",
        # The media library: upload, describe and use pictures; deleting
        # one is the editors' (and refused while a story shows it).
        "articles.add_libraryimage",
        "articles.change_libraryimage",
        "articles.view_libraryimage",
    ],
    "Editor": [
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.view_article",
        PUBLISH_PERMISSION,
        "articles.add_section",
        "articles.change_section",
        "articles.delete_section",
        "articles.view_section",
        "articles.add_tag",
        "articles.change_tag",
        "articles.delete_tag",
        "articles.view_tag",
        "articles.add_authorprofile",
        "articles.change_authorprofile",
        "articles.view_authorprofile",
        "articles.view_articlerevision",
        "articles.view_auditentry",
        *[
            f"articles.{action}_{model}"
            for model in ("frontslot", "breakingnews", "liveentry", "libraryimage")
            for action in ("add", "change", "delete", "view")
        ],
        "auth.view_user",
        *BYLINE_PERMS,
        # Webhooks (the api app) and their delivery log.
        "api.add_webhook",
        "api.change_webhook",
        "api.view_webhook",
        "api.change_webhookdelivery",
        "api.view_webhookdelivery",
        # Newsletters (their own app): the lists; subscribers read-only.
        "newsletters.add_newsletter",
        "newsletters.change_newsletter",
        "newsletters.view_newsletter",
        "newsletters.view_subscriber",
        "newsletters.view_subscription",
        "newsletters.add_send",
        "newsletters.change_send",
        "newsletters.view_send",
        "newsletters.view_delivery",
    ],
    "Moderator": [],
}


def ensure_roles(group_model, permission_model, roles=None, *, missing_ok=False):
    """Create each role group and give it its permissions (idempotent).
    `missing_ok`: skip permissions of models that do not exist yet (an early
    migration runs with today's role lists; a later one grants the rest)."""
    for name, perms in (roles or ROLES).items():
        group, _ = group_model.objects.get_or_create(name=name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None and missing_ok:
                continue
            if permission is None:
                raise LookupError(f"No permission {dotted}")
            group.permissions.add(permission)


def migrate_roles(apps, roles) -> None:
    """Data-migration step: create missing permissions, then the role groups.

    Permissions are normally created after all migrations have run; make sure
    they exist now so the groups can be given them.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        roles,
        missing_ok=True,
    )
