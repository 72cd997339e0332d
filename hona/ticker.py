"""Beat on the embedded default: with no broker (tasks in-process) there is no `celery beat`, so
`manage.py runserver` runs the same schedule (CELERY_BEAT_SCHEDULE) in a thread of its own:
scheduled messages go, stuck ones are swept, as they would in production.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_started = False


def wanted() -> bool:
    """Only the development server's serving process, with tasks in-process."""
    return (
        settings.CELERY_TASK_ALWAYS_EAGER
        and len(sys.argv) > 1
        and sys.argv[1] == "runserver"
        and os.environ.get("RUN_MAIN") == "true"  # the autoreloader's child, not its parent
    )


def start() -> None:
    global _started
    if _started or not wanted():
        return
    _started = True
    threading.Thread(target=_run, name="embedded-beat", daemon=True).start()


def _run() -> None:
    from hona.celery import app

    entries: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    schedule = {str(entry["task"]): float(entry["schedule"]) for entry in entries.values()}
    due = dict.fromkeys(schedule, time.monotonic() + 5)
    while True:
        now = time.monotonic()
        for name, every in schedule.items():
            if now < due[name]:
                continue
            due[name] = now + every
            try:
                app.tasks[name].apply()
            except Exception:  # one task's failure never stops the schedule
                logger.exception("Embedded beat: %s failed", name)
            finally:
                close_old_connections()
        time.sleep(1)
