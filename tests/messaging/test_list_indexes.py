"""The indexes the Conversations tab reads at a firm's real size exist and match its queries.

At 50,000 threads a note search walked all of a firm's notes, and the Flagged, Archived and Spam
filters scanned all of its threads (tests/perf/page_bench.py). The test database is too small
for the planner to prefer an index on its own, so the filters' plans are asked for with table
and bitmap scans priced out: their own index must then be there, in the list's order, for the
planner to take it.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet

from hona.models import User
from messaging.models import Message, Thread

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="PostgreSQL's indexes (trigram, partial): needs DATABASE_URL on PostgreSQL, as in CI",
)


def plan(rows: QuerySet, *settings: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        return rows.explain()


def test_a_note_search_has_a_trigram_index_on_the_expression_it_compiles_to(owner: User) -> None:
    """At test size the planner prefers walking the few notes, so this checks the index the
    bench's size needs is there, partial over notes, on the expression the search compiles to."""
    notes = Message.objects.for_user(owner).notes().filter(body__icontains="signed lease")
    assert 'UPPER("messaging_message"."body"::text) LIKE UPPER(' in str(notes.query)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'messaging_message' "
            "AND indexname = 'message_note_body_trgm'"
        )
        found = cursor.fetchone()
    assert found is not None, "no trigram index over notes' text"
    definition = found[0]
    assert "USING gin (upper(body) gin_trgm_ops)" in definition, definition
    assert "WHERE ((direction)::text = 'int'::text)" in definition, definition


@pytest.mark.parametrize(
    ("name", "condition"),
    [
        ("thread_flagged", {"is_flagged": True, "is_spam": False}),
        ("thread_archived", {"is_archived": True, "is_spam": False}),
        ("thread_spam", {"is_spam": True}),
    ],
)
def test_each_filter_reads_its_own_index_in_the_lists_order(
    owner: User, name: str, condition: dict[str, bool]
) -> None:
    threads = (
        Thread.objects.for_user(owner).filter(**condition).order_by("-last_message_at", "-pk")[:51]
    )
    shown = plan(threads, "enable_seqscan", "enable_bitmapscan")
    assert name in shown, shown
    assert "Sort" not in shown, shown  # read in the list's order, not sorted after
