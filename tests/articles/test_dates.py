"""The site's date formatting (format parsed once per process) writes what
Django's date filter writes, in every language and format."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as django_format

from articles.templatetags.articles_tags import format_date, time_element, time_format

FORMATS = [
    "N j, Y",
    "F j, Y, H:i",
    "F j, Y \\a\\t H:i",
    "l jS \\o\\f F Y h:i:s A",
    "D, d M Y H:i:s O e T",
    "c r U",
    "\\Y\\e\\a\\r: Y, \\\\ w z W t L o y b E P a f g G",
    "",
    "no format letters?! 123 ... \\",
]
MOMENTS = [
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 30, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC) + timedelta(microseconds=123456),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("language", ["en", "pt-br", "es", "ar", "de"])
def test_format_date_matches_djangos_date_format(language):
    with translation.override(language), timezone.override("Europe/Lisbon"):
        for moment in MOMENTS:
            local = timezone.localtime(moment)
            for fmt in [*FORMATS, *(time_format(n) for n in ("date", "comment"))]:
                assert format_date(local, fmt) == django_format(local, fmt), fmt


def test_time_element_escapes_what_a_translated_format_writes():
    moment = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    with timezone.override("UTC"):
        html = time_element(moment, '"<Y>" & j')
    assert html == (
        '<time datetime="2026-05-04T10:00:00+00:00">'
        "&quot;&lt;2026&gt;&quot; &amp; 4</time>"
    )
