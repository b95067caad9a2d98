"""`manage.py newsletter_bounce RECIPIENT < message`: a bounce that came
back to a VERP address (bounces+<delivery>@<domain>), as an MTA's pipe
hands it over (Postfix: a transport with `argv=… newsletter_bounce
${recipient}`). A permanent failure suppresses the address it was sent to;
a delay changes nothing."""

import sys

from django.core.management.base import BaseCommand

from newsletters.sending import bounce_received


class Command(BaseCommand):
    help = "Read a bounce from standard input; suppress its address if permanent."

    def add_arguments(self, parser):
        parser.add_argument("recipient", help="The VERP address it came back to.")

    def handle(self, *args, recipient, **options):
        suppressed = bounce_received(recipient=recipient, raw=sys.stdin.buffer.read())
        self.stdout.write(f"Suppressed {suppressed}" if suppressed else "Nothing to do")
