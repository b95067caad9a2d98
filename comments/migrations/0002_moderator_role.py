"""Give the Moderator group its comment permissions (idempotent)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from articles.roles import ensure_roles
from comments.roles import ROLES


def add_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ROLES
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0003_byline_permissions"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
