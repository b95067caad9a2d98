from django.db import migrations


def grant(apps, schema_editor):
    from articles.roles import migrate_roles

    migrate_roles(
        apps,
        {
            "Editor": [
                "newsletters.add_send",
                "newsletters.change_send",
                "newsletters.view_send",
                "newsletters.view_delivery",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [("newsletters", "0004_editions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
