"""Journalists may create tags (WordPress authors can); sections stay the
editors'."""

from django.db import migrations

from articles.roles import ROLES, migrate_roles


def update_roles(apps, schema_editor):
    migrate_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_image_size_measured_on_assignment")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
