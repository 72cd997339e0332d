"""The async boundary for messaging: load by id, call an action, retry with backoff."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

from messaging.sms import SmsUnavailable


def _backoff(retries: int, base: int = 5, cap: int = 600) -> int:
    return int(min(cap, base * 2**retries))


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_message(self: Any, message_id: int) -> None:
    from messaging.delivery import deliver_message as deliver
    from messaging.delivery import give_up_on_sms

    try:
        deliver(message_id=message_id)
    except SmsUnavailable as error:
        if error.retry_in is not None:
            # Paced, not failed: wait in the broker, without using up a retry (in-process: here).
            if self.request.is_eager:
                time.sleep(error.retry_in)
                deliver_message.apply((message_id,))
            else:
                deliver_message.apply_async((message_id,), countdown=max(error.retry_in, 0.1))
            return
        if self.request.retries >= self.max_retries:
            give_up_on_sms(message_id=message_id, error=str(error))
            return
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None


@shared_task(bind=True, max_retries=4, acks_late=True)
def email_message(self: Any, message_id: int, reason: str) -> None:
    from messaging.delivery import email_delivery

    final = self.request.retries >= self.max_retries
    try:
        email_delivery(message_id=message_id, reason=reason, final_attempt=final)
    except Exception as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries, base=30)) from None


@shared_task(acks_late=True)
def reconcile_messages() -> int:
    from messaging.delivery import reconcile_messages as reconcile

    return reconcile()


@shared_task(bind=True, max_retries=6, acks_late=True)
def fetch_inbound_media(self: Any, message_id: int) -> None:
    from messaging.inbound import MediaFetchError
    from messaging.inbound import fetch_inbound_media as fetch

    final = self.request.retries >= self.max_retries
    try:
        fetch(message_id=message_id, final_attempt=final)
    except MediaFetchError as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None


@shared_task(bind=True, max_retries=3, acks_late=True)
def send_portal_link(self: Any, contact_id: int) -> None:
    from messaging.notices import deliver_portal_link

    try:
        deliver_portal_link(contact_id=contact_id)
    except OSError as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries, base=30)) from None
