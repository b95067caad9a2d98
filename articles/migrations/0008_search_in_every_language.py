"""Search in the story's language (see articles.models: SEARCH_CONFIG).

The SQL functions below are the only place that maps a language to a
PostgreSQL text-search configuration and that says how text is cut into
words; the index (search_vector) and every query use them.
"""

import articles.models
import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

# Django language code (or its first part) -> PostgreSQL configuration.
CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan",
    "da": "danish", "nl": "dutch", "en": "english", "fi": "finnish",
    "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "nb": "norwegian", "nn": "norwegian",
    "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer,
# Japanese kana, Chinese characters (with extensions and compatibility forms).
UNSPACED = (
    r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
)
# Punctuation outside ASCII (which PostgreSQL's parser, in the C locale of
# our clusters, would take for letters: "“Hello," would be one word):
# Latin-1, general punctuation (not the zero-width joiners Persian writes
# inside words), Armenian, Arabic, Devanagari, Thai, CJK and full-width signs.
PUNCTUATION = (
    r"\u00a1-\u00a9\u00ab-\u00b4\u00b6-\u00b9\u00bb-\u00bf\u00d7\u00f7"
    r"\u2000-\u200b\u2010-\u2027\u2030-\u205e\u055a-\u055f\u0589"
    r"\u060c\u061b\u061f\u066a-\u066d\u06d4\u0964\u0965\u0e2f\u0e5a\u0e5b"
    r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)


def _config_sql() -> str:
    whens = "\n".join(
        f"    WHEN '{code}' THEN '{config}'"
        for code, config in sorted(CONFIGS.items())
    )
    return f"""
CREATE FUNCTION newsroom_search_config_name(language text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE split_part(lower(language), '-', 1)
{whens}
    ELSE 'simple'
END;
CREATE FUNCTION newsroom_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN newsroom_search_config_name(language)::regconfig;
-- Every story's vector holds one more word, "_lang_<configuration>", which
-- no text can produce (the parser splits at "_"): a query's reading in one
-- configuration is paired with it, so it matches that language's stories only.
CREATE FUNCTION newsroom_search_language(language text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(
    array_to_tsvector(ARRAY['_lang_' || newsroom_search_config_name(language)]), 'D'
);
"""


# Typographic quotes become ASCII ones: "it’s" reads as "it's", and a query
# in “curly quotes” is a phrase, as in "straight" ones.
QUOTES = "'’‘“”„«»', $q$''" + '"' * 5 + "$q$"

TEXT_SQL = f"""
CREATE FUNCTION newsroom_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
SELECT coalesce(string_agg(
    CASE
        WHEN piece[1] !~ '^[{UNSPACED}]' THEN piece[1]
        WHEN length(piece[1]) = 1 THEN ' ' || piece[1] || ' '
        ELSE ' ' || (
            SELECT string_agg(substr(piece[1], i, 2), ' ' ORDER BY i)
            FROM generate_series(1, length(piece[1]) - 1) AS i
        ) || ' '
    END, '' ORDER BY n), '')
FROM regexp_matches(
    regexp_replace(
        translate(t, {QUOTES}), '[{PUNCTUATION}]', ' ', 'g'
    ),
    '([{UNSPACED}]+|[^{UNSPACED}]+)', 'g'
) WITH ORDINALITY AS m(piece, n);
END;
"""


def _query_sql() -> str:
    names = sorted({*CONFIGS.values(), "simple"})
    configs = ", ".join(f"'{c}'" for c in names)
    return f"""
CREATE AGGREGATE newsroom_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);
-- A query read in every configuration; each distinct reading is paired with
-- the languages that read it so (not when every language reads it so);
-- readings of stop words only are dropped.
CREATE FUNCTION newsroom_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
SELECT coalesce(newsroom_tsquery_or(
    CASE WHEN readers = {len(names)} THEN reading ELSE reading && languages END
), ''::tsquery)
FROM (
    SELECT websearch_to_tsquery(config::regconfig, newsroom_search_text(q)) AS reading,
        newsroom_tsquery_or(('_lang_' || config)::tsquery) AS languages,
        count(*) AS readers
    FROM unnest(ARRAY[{configs}]) AS config
    GROUP BY 1
) AS readings
WHERE numnode(reading) > 0;
END;
"""


DROP_SQL = """
DROP FUNCTION newsroom_search_query(text);
DROP AGGREGATE newsroom_tsquery_or(tsquery);
DROP FUNCTION newsroom_search_text(text);
DROP FUNCTION newsroom_search_language(text);
DROP FUNCTION newsroom_search_config(text);
DROP FUNCTION newsroom_search_config_name(text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_article_language'),
    ]

    operations = [
        migrations.RunSQL(
            _config_sql() + TEXT_SQL + _query_sql(), reverse_sql=DROP_SQL
        ),
        # PostgreSQL cannot change a generated column's expression: drop and
        # add it again (every row's vector is computed anew).
        migrations.RemoveIndex(model_name="article", name="article_search_idx"),
        migrations.RemoveField(model_name="article", name="search_vector"),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector(models.Func(models.F('title'), function='newsroom_search_text', output_field=models.TextField()), config=models.Func(models.F('language'), function='newsroom_search_config'), weight='A'), '||', django.contrib.postgres.search.SearchVector(models.Func(models.F('standfirst'), function='newsroom_search_text', output_field=models.TextField()), config=models.Func(models.F('language'), function='newsroom_search_config'), weight='B'), django.contrib.postgres.search.SearchConfig(models.Func(models.F('language'), function='newsroom_search_config'))), '||', django.contrib.postgres.search.SearchVector(models.Func(models.F('body_text'), function='newsroom_search_text', output_field=models.TextField()), config=models.Func(models.F('language'), function='newsroom_search_config'), weight='C'), django.contrib.postgres.search.SearchConfig(models.Func(models.F('language'), function='newsroom_search_config'))), '||', articles.models.LanguageMark(models.F('language')), django.contrib.postgres.search.SearchConfig(models.Func(models.F('language'), function='newsroom_search_config'))), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_idx"
            ),
        ),
    ]
