import os

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo


class Command(BaseCommand):
    help = (
        "Create the demo accounts (admin, editor, journalist, moderator) and the "
        "demo articles. Idempotent: running it again changes nothing."
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
            users = demo.ensure_accounts(password=password)
            created = demo.ensure_content(users=users)
        self.stdout.write(
            f"Demo accounts ready: {', '.join(sorted(users))}; "
            f"{created} demo item(s) created."
        )
