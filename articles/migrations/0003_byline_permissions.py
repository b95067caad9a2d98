"""Let journalists and editors edit bylines (the ordered author inline)."""

from django.db import migrations

from articles.roles import ROLES, migrate_roles


def update_roles(apps, schema_editor):
    migrate_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_roles")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
