from django.db import migrations

EDITOR_PERMS = [
    "newsletters.add_newsletter",
    "newsletters.change_newsletter",
    "newsletters.view_newsletter",
    "newsletters.view_subscriber",
    "newsletters.view_subscription",
]


def first_newsletters(apps, schema_editor):
    Newsletter = apps.get_model("newsletters", "Newsletter")
    Newsletter.objects.get_or_create(
        slug="morning-briefing",
        defaults={
            "name": "Morning briefing",
            "description": "The day's top stories and the most read, every morning.",
            "kind": "briefing",
            "position": 1,
        },
    )
    Newsletter.objects.get_or_create(
        slug="breaking-news",
        defaults={
            "name": "Breaking news",
            "description": "A short alert when big news breaks; a few a week at most.",
            "kind": "alerts",
            "position": 2,
        },
    )


def grant(apps, schema_editor):
    from articles.roles import migrate_roles

    migrate_roles(apps, {"Editor": EDITOR_PERMS})


class Migration(migrations.Migration):
    dependencies = [("newsletters", "0001_newsletters"), ("api", "0003_editors_webhooks")]

    operations = [
        migrations.RunPython(first_newsletters, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
