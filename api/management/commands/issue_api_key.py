"""`manage.py issue_api_key NAME --role journalist`: a key for an
integration, printed once (as the admin's "Add API key" shows it). For
setting up a site from a script; the admin is the usual way."""

from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiKey


class Command(BaseCommand):
    help = "Issue an API key for an integration and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The integration: “AFP wire ingest”.")
        parser.add_argument(
            "--role", choices=ApiKey.Role.values, default=ApiKey.Role.JOURNALIST
        )

    def handle(self, *args, name, role, **options):
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(f"A key named “{name}” exists: choose another name.")
        key, token = services.api_key_issue(name=name, role=role, by=None)
        self.stderr.write(f"Key “{key.name}” ({key.get_role_display()}), shown once:")
        self.stdout.write(token)
