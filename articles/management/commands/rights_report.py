"""The daily rights report: published stories that still show a picture
whose licence has run out (articles.library.stories_with_expired_images),
printed, and with --mail e-mailed to every active editor.

    manage.py rights_report [--mail]
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.urls import reverse

from articles.library import expired_images_of, stories_with_expired_images
from articles.models import PUBLISH_CODENAME


class Command(BaseCommand):
    help = "List published stories showing pictures whose licence has run out."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mail", action="store_true", help="e-mail the list to the editors"
        )

    def handle(self, *args, mail=False, **options):
        lines = []
        for article in stories_with_expired_images().order_by("-published_at"):
            pictures = ", ".join(
                f"“{item.title}” (licence ended {item.licence_expires_on:%Y-%m-%d})"
                for item in expired_images_of(article)
            )
            change = reverse("admin:articles_article_change", args=[article.pk])
            lines.append(f"- {article.title}: {pictures}\n  {change}")
        if not lines:
            self.stdout.write("No published story shows an expired picture.")
            return
        report = (
            f"{len(lines)} published stories show pictures whose licence has run "
            "out. Replace each picture (or take the story down):\n\n" + "\n".join(lines)
        )
        self.stdout.write(report)
        if mail:
            editors = (
                get_user_model()
                .objects.filter(is_active=True)
                .filter(
                    groups__permissions__codename=PUBLISH_CODENAME,
                )
                .exclude(email="")
                .values_list("email", flat=True)
                .distinct()
            )
            if editors:
                send_mail(
                    f"Rights report: {len(lines)} stories show expired pictures",
                    report,
                    settings.DEFAULT_FROM_EMAIL,
                    list(editors),
                )
