"""The async boundary for notifications: load by id, call the action, retry by the one policy."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from hona.retry import is_last_attempt, retry
from notifications import alerts, emails

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, acks_late=True)
def email_notification(self: Any, notification_id: int) -> None:
    """Email a notice to its staff member; the in-app notice stays whatever happens here."""
    try:
        emails.send_notification_email(notification_id=notification_id)
    except OSError as error:
        if is_last_attempt(self):
            emails.give_up_on_notification_email(notification_id=notification_id, error=error)
            return
        retry(self, error, base=30)


@shared_task(bind=True, max_retries=6, acks_late=True)
def send_thread_alerts(self: Any, thread_id: int) -> int:
    try:
        return alerts.send_thread_alerts(thread_id=thread_id)
    except OSError as error:
        if is_last_attempt(self):
            alerts.give_up_on_alerts(thread_id=thread_id, error=repr(error))
            return 0
        retry(self, error, base=30)


@shared_task(acks_late=True)
def sweep_alerts() -> int:
    """Alert emails whose task never ran (the broker was down when they were queued)."""
    return alerts.sweep_alerts() + emails.sweep_notification_emails()


@shared_task(acks_late=True)
def send_due_digests() -> int:
    return alerts.send_due_digests()
