"""Database helpers shared by the apps."""

import psycopg
from django.db import connection


def fetch_one_prepared(sql: str, params: dict) -> tuple:
    """Run fixed SQL on a hot path as a prepared statement and return its row.

    Bound on the server and prepared once per connection, so PostgreSQL stops
    planning it on every call (planning cost more than running the comment
    policy query). Errors are mapped to Django's exceptions as usual. While
    queries are being logged (DEBUG, tests counting or EXPLAINing queries) it
    goes through Django's own cursor, so the logged SQL is runnable as is.
    Behind pgbouncer in transaction mode, use version 1.21 or newer (which
    tracks prepared statements)."""
    if connection.queries_logged:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()
