"""Author photos as readers see them: a public, re-encoded square
(AuthorProfile.photo_rendition); the upload itself stays private. Existing
photos get theirs here."""

import logging

from django.db import migrations, models

logger = logging.getLogger(__name__)


def make_squares(apps, schema_editor):
    from articles.images import make_avatar

    AuthorProfile = apps.get_model("articles", "AuthorProfile")
    for profile in AuthorProfile.objects.exclude(photo=""):
        try:
            profile.photo_rendition = make_avatar(profile.photo)
        except (OSError, ValueError) as error:  # a missing or unreadable file
            logger.warning("No photo square for %s: %s", profile.pk, error)
            continue
        profile.save(update_fields=["photo_rendition"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_legal_hold_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorprofile",
            name="photo_rendition",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(make_squares, migrations.RunPython.noop),
    ]
