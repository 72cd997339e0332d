from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, acks_late=True)
def email_notification(self: Any, notification_id: int) -> None:
    """Email a notice to its staff member; the in-app notice stays whatever happens here."""
    from notifications.emails import send_notification_email

    try:
        send_notification_email(notification_id=notification_id)
    except OSError as error:
        if self.request.retries >= self.max_retries:
            logger.warning("Gave up emailing notification %s: %r", notification_id, error)
            return
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from None


@shared_task(acks_late=True)
def send_thread_alerts(thread_id: int) -> int:
    from notifications.alerts import send_thread_alerts as send

    return send(thread_id=thread_id)


@shared_task(acks_late=True)
def send_due_digests() -> int:
    from notifications.alerts import send_due_digests as send

    return send()
