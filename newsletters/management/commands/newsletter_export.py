import json

from django.core.management.base import BaseCommand

from newsletters.services import subscriber_export


class Command(BaseCommand):
    help = "Print, as JSON, all the newsletters keep about this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        data = subscriber_export(email=email)
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
