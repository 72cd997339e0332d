"""How seed_scale writes its rows: PostgreSQL's COPY, or bulk inserts elsewhere."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db import connection


class Writer(Protocol):
    def write(
        self, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]], count: int | None
    ) -> list[int]:
        """Insert the rows; when count is given, return the new ids in row order."""
        ...

    def finish(self) -> None:
        """Anything to tidy once every table is written."""
        ...


class CopyWriter:
    """PostgreSQL: COPY with ids taken from each table's own sequence."""

    def __init__(self) -> None:
        self.tables: list[str] = []

    def write(
        self, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]], count: int | None
    ) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            ids: list[int] = []
            if count is not None:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                ids = [row[0] for row in cursor.fetchall()]
                rows = ((ids[i], *row) for i, row in enumerate(rows))
                columns = ["id", *columns]
            column_list = ", ".join(f'"{name}"' for name in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        self.tables.append(table)
        return ids

    def finish(self) -> None:
        # Fresh statistics, as autovacuum would gather after a while, so plans match real use.
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f'ANALYZE "{table}"')


class BulkWriter:
    """SQLite and anything else: bulk inserts in batches."""

    def write(
        self, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]], count: int | None
    ) -> list[int]:
        created: list[int] = []
        batch: list[Any] = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) >= 2000:
                created += [obj.pk for obj in model.objects.bulk_create(batch)]
                batch = []
        if batch:
            created += [obj.pk for obj in model.objects.bulk_create(batch)]
        return created

    def finish(self) -> None:
        pass
