"""`manage.py seed_views --days 30`: per-minute view counts for the bulk
database (scripts/bench.py, BENCH_ONLY=audience): every minute of the last
DAYS days, --per-minute stories (the newest most, as readers read), with
COPY. Not for a site with real readers."""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from articles.models import Article

SOURCES = ("search", "social", "direct", "internal", "other")


class Command(BaseCommand):
    help = "Fill audience_viewcount with per-minute counts (benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--per-minute", type=int, default=200)
        parser.add_argument(
            "--replace", action="store_true", help="empty the counts first"
        )

    def handle(self, *args, **options):
        rng = random.Random(35)
        ids = list(
            Article.objects.published()
            .order_by("-published_at")
            .values_list("pk", flat=True)[:20000]
        )
        end = timezone.now().replace(second=0, microsecond=0)
        minutes = options["days"] * 24 * 60
        rows = 0
        with connection.cursor() as cursor:
            if options["replace"]:
                cursor.execute("TRUNCATE audience_viewcount")
            with cursor.copy(
                "COPY audience_viewcount (period, per_day, article_id, source, views) "
                "FROM STDIN"
            ) as copy:
                for m in range(minutes):
                    at = end - timedelta(minutes=m)
                    # Half the reads go to the newest stories (a story i back
                    # is read ~1/(i+1)), half anywhere in the archive.
                    half = options["per_minute"] // 2
                    chosen = {
                        ids[min(int(rng.paretovariate(1.1)) - 1, len(ids) - 1)]
                        for _ in range(half)
                    } | {rng.choice(ids) for _ in range(half)}
                    for pk in chosen:
                        copy.write_row(
                            (at, False, pk, rng.choice(SOURCES), rng.randint(1, 40))
                        )
                        rows += 1
            cursor.execute("ANALYZE audience_viewcount")
        self.stdout.write(f"{rows} per-minute rows over {options['days']} days")
