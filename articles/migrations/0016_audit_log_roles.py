"""Editors and moderators read the audit log."""

from django.db import migrations

from articles.roles import ROLES as ARTICLE_ROLES
from articles.roles import migrate_roles
from comments.roles import ROLES as COMMENT_ROLES


def update_roles(apps, schema_editor):
    migrate_roles(apps, {**ARTICLE_ROLES, **COMMENT_ROLES})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_audit_log"),
        ("comments", "0006_duplicate_rule_skips_imports"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
