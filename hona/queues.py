"""Which Celery queue each task waits in: one queue per kind of work, each with its own workers.

Texts, emails, CMS filings and evidence exports each have a queue of their own, and everything
else shares `default`, so a thousand filings waiting for a slow CMS never stand in front of a
text, an email outage never holds an alert back from Twilio, and a project's export (minutes of
work) never holds a sweeper. docker-compose runs one worker service per
queue; `make worker` (a developer's one worker) reads them all.

Queue names are the lane names ("sms", "email", "cms", "exports", "default"), prefixed with
CELERY_QUEUE_PREFIX when several deployments (or test runs) share one Redis. The prefix is read
when each task is published, so a test can point this process at queues of its own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

SMS = "sms"
EMAIL = "email"
CMS = "cms"
EXPORTS = "exports"
DEFAULT = "default"
LANES = (SMS, EMAIL, CMS, EXPORTS, DEFAULT)

# Every task by name. A task missing here goes to `default` (tests/hona/test_queues.py checks
# that every registered task is listed, so a new one is routed on purpose).
TASK_LANES = {
    # Texts: the hand-over to Twilio, paced per number (waiting in the broker, never in a worker).
    "messaging.tasks.deliver_message": SMS,
    "messaging.tasks.send_portal_link": SMS,
    # Emails to clients and staff.
    "messaging.tasks.email_message": EMAIL,
    "notifications.tasks.email_notification": EMAIL,
    "notifications.tasks.send_thread_alerts": EMAIL,
    "notifications.tasks.send_due_digests": EMAIL,
    # The case management system: filings and documents, paced by the CMS's own rate.
    "cms_sync.tasks.file_entry": CMS,
    "cms_sync.tasks.load_documents": CMS,
    "cms_sync.tasks.fetch_documents": CMS,
    # Evidence exports: a project's can take minutes of one process.
    "messaging.tasks.build_export": EXPORTS,
    # Everything else, short: the sweepers on beat, media downloads, file clean-up, Lookup.
    "messaging.tasks.reconcile_messages": DEFAULT,
    "messaging.tasks.send_due_messages": DEFAULT,
    "messaging.tasks.fetch_inbound_media": DEFAULT,
    "messaging.tasks.remove_stored_files": DEFAULT,
    # A number's line type (Twilio Lookup): never on the SMS lane, which is paced per number.
    "messaging.tasks.check_line_type": DEFAULT,
    "cms_sync.tasks.requeue_stale_entries": DEFAULT,
    "messaging.tasks.requeue_stale_exports": DEFAULT,
    "cms_sync.tasks.requeue_stale_documents": DEFAULT,
    "notifications.tasks.sweep_alerts": DEFAULT,
}


def queue_name(lane: str, prefix: str | None = None) -> str:
    if prefix is None:
        prefix = settings.CELERY_QUEUE_PREFIX
    return f"{prefix}{lane}"


def all_queues(prefix: str | None = None) -> list[str]:
    """Every queue, as a worker that does all the work reads them (`-Q` joins them by commas)."""
    return [queue_name(lane, prefix) for lane in LANES]


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str]:
    """Celery's router (CELERY_TASK_ROUTES): the queue for a task about to be published."""
    return {"queue": queue_name(TASK_LANES.get(name, DEFAULT))}
