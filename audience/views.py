""" "Most read" for readers: the stories most read in the last 24 hours, a
part every home and article page includes (caching/includes.py), remade
every MOST_READ_SECONDS without a save and without emptying the edge: its
tag's version moves on at each such moment (settings.CACHING_SCHEDULES), and
its edge lifetime ends there."""

from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from caching import fragments
from caching.pagecache import cache_page_tags

from .models import ViewCount

MOST_READ_TAG = "most-read"
MOST_READ_SECONDS = 300
MOST_READ_HOURS = 24
MOST_READ_COUNT = 5


def most_read_schedule(now):
    """(The last refresh moment reached, the next one): every
    MOST_READ_SECONDS on the clock (settings.CACHING_SCHEDULES)."""
    seconds = int(now.timestamp()) // MOST_READ_SECONDS * MOST_READ_SECONDS
    last = datetime.fromtimestamp(seconds, tz=UTC)
    return last, last + timedelta(seconds=MOST_READ_SECONDS)


def most_read_html(request) -> str:
    """The block's HTML (settings.CACHING_INCLUDES)."""
    key = fragments.fragment_key("most-read", [MOST_READ_TAG, "site"])
    return fragments.get_or_render(
        key,
        lambda: render_to_string(
            "audience/most_read.html",
            {
                "stories": ViewCount.objects.most_read(
                    since=timezone.now() - timedelta(hours=MOST_READ_HOURS),
                    limit=MOST_READ_COUNT,
                )
            },
        ),
        timeout=MOST_READ_SECONDS,
    )


@require_GET
def most_read(request):
    cache_page_tags(request, MOST_READ_TAG)
    response = HttpResponse(most_read_html(request))
    response["X-Robots-Tag"] = "noindex"
    return response
