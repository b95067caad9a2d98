"""The reader pages' QuerySets compiled to SQL once per process, on public API.

Building and compiling a QuerySet costs Python time on every request: with
every cache off, the article page's six QuerySets spent about 5.5 of its
17.6 ms in-process in the ORM's compiler (cProfile, 2026-12-05), and the
page served 2.4 times fewer requests a second without this module
(docs/benchmarks.md, "Simplify"). The rule stays the QuerySet method
(`published()`, `visible_to()`): a *builder* makes the QuerySet once, with
a `Slot` (an Expression) where each request's value goes; the SQL it
compiles to is kept (`query.get_compiler(using).as_sql()`, the compiler API
custom expressions use), and each call fills the values in and runs it as
a statement prepared on the server, through the connection's execute
wrappers (the replica's watch is one; see `_prepared`). Rows become model
instances through the documented `Model.from_db()`.

A builder is a module-level function of `shape` (values that change the SQL:
a page's offset and size) and of one Slot per value given (which values are
given is part of the key); it must depend on nothing else, since its SQL is
kept under its name, shape and value names.
"""

import functools
from collections import OrderedDict

import psycopg
from django.db import connections, router
from django.db.models import Expression, Field, Lookup

# Compiled shapes kept per process (a thread's page offset is a shape: bounded).
MAX_SHAPES = 256


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Slot(Expression):
    """Where a call's value goes: compiles to a placeholder."""

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field or Field())
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Marker(self.name)]


class AnyOf(Lookup):
    """`AnyOf(F("field"), values)`: `field = ANY(array)`, one placeholder
    whatever the number of values (`__in` writes one per value), so a Slot
    can hold the list; an empty list matches nothing. Used as an expression
    in filter(), never registered as a lookup."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


class _Compiled:
    """One builder's SQL for one shape and database, and how to read a row."""

    def __init__(self, queryset, model, columns, related, names):
        self.db = queryset.db
        self.sql, params = queryset.query.get_compiler(using=self.db).as_sql()
        self.params = list(params)
        self.slots = [
            (i, p.name) for i, p in enumerate(self.params) if isinstance(p, _Marker)
        ]
        if {name for _, name in self.slots} != names:
            raise ValueError(
                f"{model.__name__} builder: slots used "
                f"{sorted({n for _, n in self.slots})}, given {sorted(names)}"
            )
        connection = connections[self.db]
        # What the ORM does to a stored value on the way in (JSON parsed…):
        # each field's own converters (Field.get_db_converters).
        self.converters = []
        for i, column in enumerate(columns):
            owner, _, name = column.rpartition("__")
            field_model = related.get(owner, model) if owner else model
            field = _field(field_model, name)
            if field is not None:
                convs = field.get_db_converters(connection)
                if convs:
                    self.converters.append((i, convs, field))
        self.model = model
        # from_db() takes a subset of fields in the model's own order.
        self.own, self.own_names = _in_model_order(model, columns, "")
        self.related = []
        for name, rel_model in related.items():
            positions, fields = _in_model_order(rel_model, columns, name + "__")
            self.related.append((name, rel_model, positions, fields))
        placed = {*self.own, *(i for r in self.related for i in r[2])}
        self.extra = [(i, c) for i, c in enumerate(columns) if i not in placed]

    def run(self, values: dict) -> list:
        params = self.params.copy()
        for i, name in self.slots:
            params[i] = values[name]
        connection = connections[self.db]
        with connection.cursor() as cursor:
            if connection.queries_logged:
                # Logged SQL stays runnable as it is (tests count and read it).
                cursor.execute(self.sql, params)
                rows = cursor.fetchall()
            else:
                rows = _prepared(connection, cursor, self.sql, params)
        objects = []
        for row in rows:
            if self.converters:
                row = list(row)
                for i, convs, field in self.converters:
                    for convert in convs:
                        row[i] = convert(row[i], field, connection)
            obj = self.model.from_db(
                self.db, self.own_names, [row[i] for i in self.own]
            )
            for name, rel_model, positions, fields in self.related:
                setattr(
                    obj,
                    name,
                    rel_model.from_db(self.db, fields, [row[i] for i in positions]),
                )
            for i, name in self.extra:
                setattr(obj, name, row[i])
            objects.append(obj)
        return objects


def _in_model_order(model, columns, prefix):
    """(positions, attnames) of the `prefix`ed columns that are fields of
    `model`, in the order of the model's fields."""
    where = {c: i for i, c in enumerate(columns)}
    found = [
        (where[prefix + f.attname], f.attname)
        for f in model._meta.concrete_fields
        if prefix + f.attname in where
    ]
    return [i for i, _ in found], [name for _, name in found]


def _field(model, attname):
    return next((f for f in model._meta.concrete_fields if f.attname == attname), None)


def columns_of(model, prefix: str = "") -> list[str]:
    """Every stored field of `model` (its attnames), each after `prefix`."""
    return [prefix + f.attname for f in model._meta.concrete_fields]


def _prepared(connection, cursor, sql, params) -> list:
    """Run `sql` as a statement prepared on the server (PostgreSQL parses
    and plans it once per connection: on 100,000 stories the article page's
    database wait fell from 4.5 to 2.6 ms), through the connection's execute
    wrappers (`connection.execute_wrapper()`: the replica's watch is one),
    with Django's error mapping. Django binds parameters on the client and
    never prepares; its `server_side_binding` option would prepare every
    ORM query, search's included, whose generic plan for a common word took
    1.2 s instead of 32 ms. These statements' generic plans were measured no
    slower than their custom ones."""

    def run(sql, params, many, context):
        with connection.wrap_database_errors:
            with psycopg.Cursor(connection.connection) as server_side:
                server_side.execute(sql, params, prepare=True)
                return server_side.fetchall()

    return through_wrappers(connection, cursor, run, sql, params)


def through_wrappers(connection, cursor, run, sql, params):
    """Call `run(sql, params, many, context)` inside the connection's execute
    wrappers (Django's documented `connection.execute_wrapper()` hooks, in
    the order Django applies them), as Django's own cursor does: a statement
    run on the driver's cursor (to prepare it) is still seen by them."""
    executor = run
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    return executor(sql, params, False, {"connection": connection, "cursor": cursor})


_compiled: OrderedDict = OrderedDict()


def fetch(
    build, *, model, columns, related=None, shape=(), using=None, **values
) -> list:
    """Instances of `model` for the rows of `build(*shape, **slots)
    .values_list(*columns)`, run with `values`, from the SQL compiled the
    first time this process met that shape, those value names and columns, on
    `using` or else the database the router picks for reading `model` now
    (a write's own reads pass the primary). `columns`: the model's own
    fields (attnames), "<fk>__<field>" of a relation named in `related`
    ({fk: its model}: set as that related object), and annotations (set as
    attributes)."""
    db = using or router.db_for_read(model)
    key = (build, shape, tuple(sorted(values)), tuple(columns), db)
    entry = _compiled.get(key)
    if entry is None:
        slots = {name: Slot(name) for name in values}
        queryset = build(*shape, **slots).using(db).values_list(*columns)
        entry = _Compiled(queryset, model, list(columns), related or {}, set(values))
        _compiled[key] = entry
        while len(_compiled) > MAX_SHAPES:
            _compiled.popitem(last=False)
    return entry.run(values)
