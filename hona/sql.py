"""For the few statements written by hand on hot paths (each is one round trip where the ORM
would take two or more): table and column names taken from the models, quoted for the database."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault, Expression

M = TypeVar("M", bound=models.Model)


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of a model's field, by the field's name ("thread" → "thread_id")."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return connection.ops.quote_name(field.column)


class Columns(Generic[M]):
    """Every column of a model in a hand-written SELECT (`alias.col, …`, from the model, so a
    new field is never missed), and the instances built from a row's share of them, with the
    conversions the ORM applies: one statement, without compiling a queryset on every call."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.names = [field.attname for field in fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{quote(alias)}.{quote(field.column)}" for field in fields)
        self._cols = {index: field.get_col(alias) for index, field in enumerate(fields)}
        # The backend's, then the field's: as the ORM's compiler applies them.
        self._converters = [
            (index, converters)
            for index, col in self._cols.items()
            if (
                converters := connection.ops.get_db_converters(col)
                + col.get_db_converters(connection)
            )
        ]

    def __len__(self) -> int:
        return len(self.names)

    def load(self, values: Sequence[Any]) -> M:
        row = list(values)
        for index, converters in self._converters:
            for convert in converters:
                row[index] = convert(row[index], self._cols[index], connection)
        return self.model.from_db(connection.alias, self.names, row)


def insert(instance: models.Model) -> None:
    """INSERT one new row and note its id: what `Model.save()` does for an instance with no
    pk, in one statement whose text is built once per model (the ORM compiles it every time).
    For models without save() overrides or signals on hot paths (the webhook's message)."""
    model = type(instance)
    sql, fields = _insert_sql(model)
    values = [_prepared(field, instance) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    assert row is not None
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def _prepared(field: models.Field[Any, Any], instance: models.Model) -> Any:
    """A new row's value of the field, as `save()` would send it."""
    value = field.pre_save(instance, True)
    if isinstance(value, DatabaseDefault):  # a db_default: the literal it is
        value = field.db_default
        setattr(instance, field.attname, value)
    return field.get_db_prep_save(value, connection)


@functools.cache
def _insert_sql(model: type[models.Model]) -> tuple[str, list[models.Field[Any, Any]]]:
    assert connection.features.can_return_columns_from_insert
    pk = model._meta.pk
    assert pk is not None
    fields = [field for field in model._meta.concrete_fields if field is not pk]
    # Only literal database defaults (db_default="") are written by value.
    assert not any(isinstance(field.db_default, Expression) for field in fields), model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    places = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {table(model)} ({columns}) VALUES ({places}) "  # noqa: S608 - model names
        f"RETURNING {quote(pk.column)}"
    )
    return sql, fields


def update(instance: models.Model, names: Sequence[str]) -> None:
    """UPDATE these fields of one saved row: `save(update_fields=names)` in one statement whose
    text is built once per model and fields (for hot paths, as `insert`)."""
    sql, fields = _update_sql(type(instance), tuple(names))
    values = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])


@functools.cache
def _update_sql(
    model: type[models.Model], names: tuple[str, ...]
) -> tuple[str, list[models.Field[Any, Any]]]:
    fields: list[models.Field[Any, Any]] = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field) and field.concrete and field.column, name
        fields.append(field)
    pk = model._meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {table(model)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
    return sql, fields


class InsertFrom(Generic[M]):
    """`INSERT INTO <model> (every column) SELECT … FROM <source> RETURNING <columns>`: one
    member of a statement that writes several rows at once (messaging.inbound's known client's
    text, on PostgreSQL). Some columns come from rows made or read earlier in the statement
    (`exprs`, SQL by field name), the `given` ones from each row's instance as named parameters
    `%(<prefix><attname>)s`, prepared as `save()` would prepare them, and every other one is the
    field's default, written into the statement once as a literal (a default that changes, such
    as a time, must be given)."""

    def __init__(
        self,
        model: type[M],
        *,
        source: str,
        exprs: dict[str, str],
        given: Sequence[str],
        returning: Sequence[str] = ("id",),
        prefix: str,
    ) -> None:
        pk = model._meta.pk
        assert pk is not None
        fields = [field for field in model._meta.concrete_fields if field is not pk]
        assert not any(isinstance(field.db_default, Expression) for field in fields), model
        known = {field.name for field in fields}
        assert set(exprs) <= known and set(given) <= known, (set(exprs) | set(given)) - known
        self._given = [field for field in fields if field.name in given]
        self._prefix = prefix
        template = model()
        assert connection.vendor == "postgresql", "PostgreSQL's WITH members"
        compose = connection.ops.compose_sql  # type: ignore[attr-defined]  # PostgreSQL's

        def literal(value: Any) -> str:
            return str(compose("%s", [value]))

        values = []
        for field in fields:
            if field.name in exprs:
                values.append(exprs[field.name])
            elif field.name in given:
                values.append(f"%({prefix}{field.attname})s")
            else:
                changes = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                varies = changes or (field.has_default() and callable(field.default))
                assert not varies, f"{field} changes from row to row: it must be given"
                values.append(literal(_prepared(field, template)))
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        back = ", ".join(column(model, name) for name in returning)
        self.sql = (
            f"INSERT INTO {table(model)} ({columns}) SELECT {', '.join(values)} "  # noqa: S608
            f"FROM {source} RETURNING {back}"
        )

    def params(self, instance: M) -> dict[str, Any]:
        """The named parameters of the given columns, from the row's instance."""
        return {self._prefix + field.attname: _prepared(field, instance) for field in self._given}
