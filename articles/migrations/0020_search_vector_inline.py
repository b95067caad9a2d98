"""Each story's search words kept in its own row (storage MAIN) instead of
out of line in the TOAST table.

A search walks the newest stories and checks each one's words (a phrase, a
common word's ranking): with the words out of line every check is a TOAST
index lookup and two or three more pages. Measured on 100,000 stories
(docs/benchmarks.md, "Performance, second round"): checking a phrase on the
newest 4,460 went from 15.7 to 5.5 ms. The row grows by the words' compressed
size (about 0.9 kB a story).

PostgreSQL applies a column's storage to values written after the change,
so every row's words are computed again, a thousand rows per transaction:
editors saving stories meanwhile wait for one batch at most, never for the
whole table."""

from django.db import migrations

BATCH = 1000


def rewrite_words(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM articles_article")
        first, last = cursor.fetchone()
    if first is None:
        return
    for start in range(first, last + 1, BATCH):
        with connection.cursor() as cursor:
            # A generated column takes DEFAULT: computed anew, stored inline.
            cursor.execute(
                "UPDATE articles_article SET search_vector = DEFAULT "
                "WHERE id >= %s AND id < %s",
                [start, start + BATCH],
            )


class Migration(migrations.Migration):
    atomic = False  # a batch per transaction (autocommit)

    dependencies = [
        ("articles", "0019_author_photo_rendition"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN",
            reverse_sql="ALTER TABLE articles_article "
            "ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
        migrations.RunPython(rewrite_words, migrations.RunPython.noop),
    ]
