"""Running the comment path's few hand-written statements as prepared statements.

Why it is SQL at all: the moderation rules' questions (moderation.py) and
the comment and its decision row with the thread page count (services.py)
run on every comment posted; written through the ORM they cost a third to a
half of a post's CPU (profiles in docs/benchmarks.md, "Comment POST"; the
insert measured again through the ORM on 2026-12-05: 24-38 % fewer posts a
second). Django binds parameters on the client and so never prepares a
statement. Django's `server_side_binding` option would let psycopg prepare
every ORM query instead. Measured (docs/benchmarks.md, 2026-12-01): it cut
the every-cache-off article page's database wait from 4.5 to 2.7 ms, and the
full suite passed, but after five runs PostgreSQL switched the search query to
a generic plan and a common word ("market" on 100,000 stories) went from 32 ms
to 1.2 s; with `plan_cache_mode=force_custom_plan` the gain was 0.4 ms. So it
stays off, and only these statements, whose generic plans were checked, are
prepared.
"""

import psycopg
from django.db import connection

from infra import sqlcache


def fetch_one_prepared(sql: str, params, *, after: tuple | None = None) -> tuple:
    """Run fixed SQL on a hot path as a prepared statement and return its row.

    Bound on the server and prepared once per connection, so PostgreSQL stops
    planning it on every call (planning cost more than running the comment
    policy query). Errors are mapped to Django's exceptions as usual. While
    queries are being logged (DEBUG, tests counting or EXPLAINing queries) it
    goes through Django's own cursor, so the logged SQL is runnable as is;
    otherwise it still passes the connection's execute wrappers (the
    replica's watch sees the write).
    Behind pgbouncer in transaction mode, use version 1.21 or newer (which
    tracks prepared statements).

    `after`: a statement (sql, params) to run first, sent in the same round
    trip (psycopg's pipeline mode), with the transaction's BEGIN if one is
    due. PostgreSQL still runs them one after the other, and this one's
    snapshot is taken when it starts: after a lock taken by `after` is held.
    (With a libpq older than 14, which has no pipeline mode, one round trip
    each.)"""
    if connection.queries_logged or (after and not psycopg.Pipeline.is_supported()):
        with connection.cursor() as cursor:
            if after is not None:
                cursor.execute(*after)
            cursor.execute(sql, params)
            return cursor.fetchone()

    def run(sql, params, many, context):
        with connection.wrap_database_errors:
            conn = connection.connection
            with psycopg.Cursor(conn) as cursor:
                if after is None:
                    cursor.execute(sql, params, prepare=True)
                else:
                    with conn.pipeline(), psycopg.Cursor(conn) as first:
                        first.execute(*after, prepare=True)
                        cursor.execute(sql, params, prepare=True)
                return cursor.fetchone()

    with connection.cursor() as cursor:  # connects, and is what wrappers see
        return sqlcache.through_wrappers(connection, cursor, run, sql, params)


def run(statement: tuple) -> None:
    """Run one statement (sql, params) for its effect (a lock)."""
    with connection.cursor() as cursor:
        cursor.execute(*statement)
