"""Full-text search in the story's language (the SQL functions live in
the database: articles migration 0008)."""

import re

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchVector,
    SearchVectorCombinable,
    SearchVectorField,
)
from django.db import connections
from django.db.models import F, Func, TextField
from django.utils.deconstruct import deconstructible

# Full-text search in the story's language. The SQL functions live in the
# database (articles migration 0008): newsroom_search_config(language) is the
# PostgreSQL text-search configuration of a language ("portuguese", ...;
# "simple" where PostgreSQL has none); newsroom_search_text(text) turns
# typographic punctuation into spaces and writes runs of scripts without
# spaces between words (Chinese, Japanese, Thai, ...) as overlapping pairs of
# characters, so a word inside running text is found; newsroom_search_query(q)
# reads a web-search query in every configuration and joins the readings
# with OR, each reading paired with its languages' stories (LanguageMark).
SEARCH_CONFIG = Func(F("language"), function="newsroom_search_config")


def _search_words(text) -> Func:
    """`text` (a field name or an expression) as newsroom_search_text cuts it."""
    if isinstance(text, str):
        text = F(text)
    return Func(text, function="newsroom_search_text", output_field=TextField())


def _weighted(field: str, weight: str) -> SearchVector:
    return SearchVector(_search_words(field), weight=weight, config=SEARCH_CONFIG)


@deconstructible(path="articles.models.LanguageMark")  # as migrations name it
class LanguageMark(SearchVectorCombinable, Func):
    """The story's language as a word of its own (newsroom_search_language)."""

    function = "newsroom_search_language"
    output_field = SearchVectorField()


SEARCH_CANDIDATES = 1000


class ReadQuery(SearchQuery):
    """A reader's query already read by newsroom_search_query (see above),
    passed as the tsquery's text: a statement that both matches and ranks
    would otherwise have PostgreSQL read it twice while planning (1.3 ms
    each, in ~30 configurations)."""

    template = "%(expressions)s::tsquery"


# A lexeme in a tsquery's text: quoted, '' for a quote, a backslash escaping
# the next character, then prefix and weight marks.
_LEXEME = re.compile(r"'(?:[^'\\]|''|\\.)*'(?::[*A-D]+)?")


def rank_query(reading: str) -> str:
    """What a reading is ranked by: every word it holds, OR-ed, without the
    language marks, when its top operator is OR (a reading in several
    languages). ts_rank scores such a query as the sum of each distinct
    word's matches divided by their number; every story that matches holds
    exactly one of the marks, which adds the same amount to each, so the
    order is the same (up to float rounding) while ts_rank does a tenth of
    the lookups (~3 ms less for 1,000 candidates). A reading whose top is
    AND or a phrase is scored by proximity, so it is kept whole."""
    words: list[str] = []
    top_or = False
    depth = 0
    end = 0
    for match in [*_LEXEME.finditer(reading), None]:
        between = reading[end : match.start() if match else len(reading)]
        for char in between:
            depth += {"(": 1, ")": -1}.get(char, 0)
            top_or = top_or or (char == "|" and depth == 0)
        if match:
            end = match.end()
            lexeme = match.group()
            if not lexeme.startswith("'_lang_") and lexeme not in words:
                words.append(lexeme)
    return " | ".join(words) if top_or and words else reading


class SearchTooSlow(Exception):
    """A search ran past NEWSROOM_SEARCH_TIMEOUT_MS."""


def every_language_reading(query: str, *, using: str) -> str:
    """newsroom_search_query's reading of `query` as text ('' when it has
    only stop words), from the database `using` (the search's own). In the
    same round trip, the current transaction's statements get the search's
    time limit."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT newsroom_search_query(%s)::text,"
            " set_config('statement_timeout', %s, true)",
            [query, str(settings.NEWSROOM_SEARCH_TIMEOUT_MS)],
        )
        return cursor.fetchone()[0]
