"""`manage.py newsletter_import list.csv --newsletter morning-briefing
--source "Mailchimp export"`: an existing list, each address with its
consent. The CSV has a header row with `email` and `consent_date`
(YYYY-MM-DD or ISO 8601), and optionally `consent_source` (per address;
else --source). Every address is checked; a bad row is named and left out,
the rest imported. Banned and unsubscribed addresses are left out. Run it
again: nothing is added twice."""

import csv
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from newsletters import services
from newsletters.models import Newsletter


def _when(value: str):
    value = value.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class Command(BaseCommand):
    help = (
        "Import subscribers with their consent "
        "(CSV: email, consent_date[, consent_source])."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument("--newsletter", required=True, help="Its slug.")
        parser.add_argument(
            "--source", required=True, help="Where the consent was given."
        )

    def handle(self, *args, csv_file, newsletter, source, **options):
        found = Newsletter.objects.filter(slug=newsletter).first()
        if found is None:
            slugs = ", ".join(Newsletter.objects.values_list("slug", flat=True))
            raise CommandError(f"No newsletter “{newsletter}” (there are: {slugs}).")
        try:
            handle = open(csv_file, newline="", encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Could not read {csv_file}: {error.strerror}") from None
        rows, bad = [], 0
        with handle:
            reader = csv.DictReader(handle)
            names = {n.strip().lower() for n in reader.fieldnames or []}
            if not {"email", "consent_date"} <= names:
                raise CommandError("The CSV needs the columns email and consent_date.")
            for number, row in enumerate(reader, start=2):
                row = {
                    (k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                }
                email, when = row.get("email", ""), _when(row.get("consent_date", ""))
                try:
                    validate_email(email)
                except ValidationError:
                    when = None
                if when is None:
                    bad += 1
                    self.stderr.write(
                        f"Line {number} left out: {email or '(no address)'}"
                    )
                    continue
                rows.append((email, when, row.get("consent_source", "")))
        counts = services.subscribers_import(rows=rows, newsletter=found, source=source)
        self.stdout.write(
            f"{counts['added']} added, {counts['already']} already subscribed, "
            f"{counts['left out']} banned or unsubscribed, {bad} bad line(s)"
        )
