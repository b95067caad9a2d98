from django.db import migrations


def grant(apps, schema_editor):
    from articles.roles import migrate_roles

    migrate_roles(
        apps,
        {
            "Editor": [
                "api.add_webhook",
                "api.change_webhook",
                "api.view_webhook",
                "api.change_webhookdelivery",
                "api.view_webhookdelivery",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0002_webhooks"), ("articles", "0033_article_external_id")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
