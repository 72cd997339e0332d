from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(bind=True, max_retries=5, acks_late=True)
def email_notification(self: Any, notification_id: int) -> None:
    from notifications.emails import send_notification_email

    try:
        send_notification_email(notification_id=notification_id)
    except OSError as error:
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from None
