"""`manage.py newsletter_briefing`: from NEWSROOM_BRIEFING_TIME on, today's
briefing draft of each briefing newsletter (made once); and the editions
whose scheduled time has come are sent. NEWSROOM_SCHEDULE runs it every
five minutes."""

from django.core.management.base import BaseCommand

from newsletters import editions


class Command(BaseCommand):
    help = "Compose today's briefing drafts when due; send scheduled editions."

    def handle(self, *args, **options):
        made = editions.briefings_due()
        for send in made:
            self.stdout.write(
                f"Briefing draft: {send.subject} ({len(send.story_ids)} stories)"
            )
