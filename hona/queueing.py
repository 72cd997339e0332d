"""Work handed to Celery once the database has agreed, never before and never instead.

A message's write depends on PostgreSQL alone: the broker is asked only after commit, and if it
cannot be reached the request still succeeds (the failure is logged) and a sweeper on beat finds
the work by its state in the database and queues it again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, countdown: float | None = None) -> None:
    """Queue `task(*args)` after the current transaction commits (at once outside one)."""
    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(lambda: task.apply_async(args, **options), robust=True)
