"""QuerySets compiled once per process and run many times.

Building and compiling a QuerySet costs Python time on every request: the
article page's previous/next/related UNION takes ~3.5 ms of it for ~1 ms in
PostgreSQL. The rule stays the QuerySet method (`published()`, `visible_to()`):
a *builder* makes the QuerySet once with `Slot`s where the request's values go,
its SQL is kept, and each run fills the slots and turns the rows into model
instances the way Django's own iterator does.

A builder is a module-level function of `shape` (values that change the SQL:
a page's offset and size) and of one `Slot` per value given (which values are
given is part of the key too); it must depend on nothing else, since what it
returns is kept under its name, shape and value names.

Each run is a prepared statement bound on the server (psycopg's `prepare`),
so PostgreSQL parses and plans it once per connection: on 100,000 stories the
page's database wait fell from 4.5 to 2.6 ms (docs/benchmarks.md). After five
runs PostgreSQL may keep a generic plan; these statements' generic plans were
measured no slower than their custom ones (forced either way, 400 random
stories and the busiest threads), unlike the search's (comments/sql.py), which
is not compiled here. Behind pgbouncer in transaction mode, use 1.21 or newer
with `max_prepared_statements` set. While queries are logged (DEBUG, tests
counting them) a run goes through Django's own cursor instead, so the logged
SQL is runnable as it is.
"""

from collections import OrderedDict

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Expression, Field, ForeignObject, Lookup
from django.db.models.query import (
    ModelIterable,
    get_related_populators,
)

# Compiled shapes kept per process (a thread's page offset is a shape: bounded).
MAX_SHAPES = 256


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Slot(Expression):
    """Where a run's value goes: compiles to a placeholder."""

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field or Field())
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Marker(self.name)]


class AnyOf(Lookup):
    """`field__any=values`: `field = ANY(array)`. One placeholder whatever the
    number of values (`__in` writes one per value), so a Slot can hold the
    list; an empty list matches nothing."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # its own lookups (foreign keys: `tag_id`)


class _Compiled:
    """One builder's SQL for one shape and database, and how to read its rows."""

    def __init__(self, queryset, names: set[str]):
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("compiled QuerySets cannot prefetch")
        if queryset._iterable_class is not ModelIterable:
            raise ValueError("compiled QuerySets return model instances")
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:
            self.sql, params = None, []
        self.params = list(params)
        self.slots = [
            (i, p.name) for i, p in enumerate(self.params) if isinstance(p, _Marker)
        ]
        if self.sql is not None and {name for _, name in self.slots} != names:
            raise ValueError(
                f"{queryset.model.__name__} builder: slots used "
                f"{sorted({n for _, n in self.slots})}, given {sorted(names)}"
            )
        if self.sql is None:
            return
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = list(
            compiler.get_converters(
                [s[0] for s in select[: compiler.col_count]]
            ).items()
        )
        self.populators = get_related_populators(
            klass_info, select, self.db, queryset._fetch_mode
        )
        self.fetch_mode = queryset._fetch_mode

    def run(self, values: dict) -> list:
        if self.sql is None:
            return []
        params = self.params.copy()
        for i, name in self.slots:
            params[i] = values[name]
        connection = connections[self.db]
        if connection.queries_logged:
            # Logged SQL stays runnable as it is (tests count and read it).
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params)
                rows = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                rows = cursor._execute_with_wrappers(
                    self.sql, params, many=False, executor=_prepared
                )
        objects = []
        for row in rows:
            if self.converters:
                row = list(row)
                for pos, (convs, expression) in self.converters:
                    value = row[pos]
                    for convert in convs:
                        value = convert(value, expression, connection)
                    row[pos] = value
            obj = self.model.from_db(
                self.db,
                self.init_list,
                row[self.start : self.end],
                fetch_mode=self.fetch_mode,
            )
            for populator in self.populators:
                populator.populate(row, obj)
            for name, pos in self.annotations:
                setattr(obj, name, row[pos])
            objects.append(obj)
        return objects


def _prepared(sql, params, many, context):
    """Run `sql` as a prepared statement bound on the server (PostgreSQL
    parses and plans it once per connection) and return its rows."""
    connection = context["connection"]
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()


_compiled: OrderedDict = OrderedDict()


def fetch(build, *, shape: tuple = (), model, **values) -> list:
    """The model instances `build(*shape, **slots)` returns for `values`, run
    from the SQL compiled the first time this process met that shape with
    values of those names (on the database the router picks for reading
    `model` now): a builder may leave out what a value it was not given
    would add."""
    db = router.db_for_read(model)
    key = (build.__module__, build.__qualname__, shape, tuple(sorted(values)), db)
    entry = _compiled.get(key)
    if entry is None:
        slots = {name: Slot(name) for name in values}
        entry = _Compiled(build(*shape, **slots).using(db), set(values))
        _compiled[key] = entry
        while len(_compiled) > MAX_SHAPES:
            _compiled.popitem(last=False)
    return entry.run(values)
