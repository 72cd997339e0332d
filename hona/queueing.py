"""Work handed to Celery once the database has agreed, never before and never instead.

A message's write depends on PostgreSQL alone: the broker is asked only after commit, and if it
cannot be reached the request still succeeds (the failure is logged) and a sweeper on beat finds
the work by its state in the database and queues it again.

A broker that fails is not asked again by this process for BROKER_PAUSE seconds: a request that
queues several tasks (a filing, an alert, a media download) pays for one failed attempt at most,
however long Redis is away or hung, and answers in time. What was not queued meanwhile waits for
the sweepers, like everything else the broker lost.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_PAUSE = 10.0
_broker_down_until = 0.0  # this process's view, on the monotonic clock


def enqueue_on_commit(task: Any, *args: Any, countdown: float | None = None) -> None:
    """Queue `task(*args)` after the current transaction commits (at once outside one)."""
    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(lambda: publish(task, args, options), robust=True)


def publish(task: Any, args: tuple[Any, ...], options: dict[str, Any]) -> None:
    """Hand the task to the broker, unless it failed a moment ago (the sweepers will find it)."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.warning("Not queued while the broker is unreachable: %s%r", task.name, args)
        return
    try:
        task.apply_async(args, **options)
    except OperationalError:
        _broker_down_until = time.monotonic() + BROKER_PAUSE
        raise  # robust on_commit logs it; the request carries on
