from django.core.management.base import BaseCommand

from comments.services import commenter_erase


class Command(BaseCommand):
    help = (
        "Erase a commenter's personal data: name becomes 'Anonymous', email and IP "
        "are blanked. The comment text is kept unless --delete-text is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--delete-text", action="store_true", help="Also delete the comment text."
        )

    def handle(self, *args, email, delete_text, **options):
        count = commenter_erase(email=email, delete_text=delete_text)
        self.stderr.write(f"Anonymized {count} comment(s) by {email}.")
