"""The async boundary for messaging: load by id, call an action."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def deliver_message(message_id: int) -> None:
    from messaging.delivery import deliver_message as deliver

    deliver(message_id=message_id)
