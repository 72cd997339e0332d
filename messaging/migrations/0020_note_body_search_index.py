"""A trigram index on the text of internal notes, for the Conversations search on PostgreSQL.

The search reads the firm's notes whose text has the term in it (messaging.queries.
note_search_matches): without this, a term that no note has walked every note of the firm
(10,000 in the 1,000,000-message bench firm: 10 ms of a 25 ms budget). Built on the expression
Django's icontains compiles to, UPPER(body::text) LIKE UPPER('%term%'), and only over notes
(direction 'int'), so it stays small beside the messages. CONCURRENTLY: a firm's messages keep
arriving while it is built.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS message_note_body_trgm ON messaging_message "
        "USING gin (UPPER(body::text) gin_trgm_ops) WHERE direction = 'int'"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS message_note_body_trgm")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("messaging", "0019_exports_built_by_a_task")]

    operations = [migrations.RunPython(create, drop)]
