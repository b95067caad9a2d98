from django.core.management.base import BaseCommand

from comments.services import commenter_export_json


class Command(BaseCommand):
    help = "Print, as JSON, all data held for the commenter with this email address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        self.stdout.write(commenter_export_json(email=email))
