import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Create the demo accounts (admin, editor, journalist, moderator) and the "
        "demo articles, only in a database that has no users and no articles "
        "yet: an existing site, and every existing account, is left untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", "newsroom-demo"),
            help="Password of the demo accounts (default: $DEMO_PASSWORD or "
            "'newsroom-demo').",
        )

    def handle(self, *args, password, **options):
        with transaction.atomic():
            if get_user_model().objects.exists() or Article.objects.exists():
                self.stdout.write(
                    "Demo content not loaded: this database already has users or "
                    "articles (the demo only goes into an empty database)."
                )
                return
            users = demo.create_accounts(password=password)
            created = demo.ensure_content(users=users)
        self.stdout.write(
            f"Demo accounts created: {', '.join(sorted(users))}; "
            f"{created} demo item(s) created."
        )
