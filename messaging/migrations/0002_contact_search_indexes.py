"""Trigram indexes for "Search by contact" on PostgreSQL (SQLite needs none at demo sizes).

Django's icontains compiles to UPPER(col::text) LIKE UPPER('%term%') and contains to
col::text LIKE '%term%'; the indexes are built on those exact expressions so the planner uses them.
"""

from django.db import migrations

INDEXES = [
    ("contact_name_trgm", 'UPPER("name"::text) gin_trgm_ops'),
    ("contact_email_trgm", 'UPPER("email"::text) gin_trgm_ops'),
    ("contact_phone_trgm", '("phone"::text) gin_trgm_ops'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON "messaging_contact" USING gin ({expression})'
        )
    # Better row estimates for LIKE on these columns (see the performance notes).
    for column in ("name", "phone", "email"):
        schema_editor.execute(
            f'ALTER TABLE "messaging_contact" ALTER COLUMN "{column}" SET STATISTICS 1000'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
