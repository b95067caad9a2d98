"""Give the Moderator group its comment permissions (idempotent)."""

from django.db import migrations

from articles.roles import migrate_roles
from comments.roles import ROLES


def add_permissions(apps, schema_editor):
    migrate_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0003_byline_permissions"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
