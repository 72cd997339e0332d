"""For the few statements written by hand on hot paths (each is one round trip where the ORM
would take two or more): table and column names taken from the models, quoted for the database."""

from __future__ import annotations

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of a model's field, by the field's name ("thread" → "thread_id")."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return connection.ops.quote_name(field.column)
