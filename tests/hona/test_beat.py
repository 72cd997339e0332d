"""Beat runs every sweeper: work whose task was lost is found by its state and queued again."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hona.celery import app

SWEEPERS = {
    "messaging.tasks.reconcile_messages",  # texts, emails and MMS files whose task was lost
    "cms_sync.tasks.requeue_stale_entries",  # filings
    "cms_sync.tasks.requeue_stale_documents",  # documents from the case for a message
    "notifications.tasks.sweep_alerts",  # alert bursts and notice emails
    "notifications.tasks.send_due_digests",
    "messaging.tasks.send_due_messages",  # scheduled messages, when they are due
    "messaging.tasks.requeue_stale_exports",  # evidence exports
}


def test_every_sweeper_is_on_beats_schedule_and_names_a_real_task() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == SWEEPERS
    app.loader.import_default_modules()
    assert scheduled <= set(app.tasks)
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    assert all(entry["schedule"] <= 300 for entry in schedule.values())
