"""The async boundary for messaging: load by id, call the action, retry by the one policy."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import shared_task

from hona.retry import is_last_attempt, retry
from messaging import delivery, inbound, lookup, notices
from messaging.models import Attachment, Contact
from messaging.sms import SmsUnavailable

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_message(self: Any, message_id: int, slot: float | None = None) -> None:
    try:
        delivery.deliver_message(message_id=message_id, slot=slot)
    except SmsUnavailable as error:
        if error.retry_in is not None:
            # Paced, not failed: wait in the broker for the slot reserved for it, without using
            # up a retry (nor forgetting those used) and without holding this worker
            # (in-process, with no broker: here).
            again = {"slot": error.slot}
            retries = self.request.retries
            if self.request.is_eager:
                time.sleep(error.retry_in)
                deliver_message.apply((message_id,), again, retries=retries)
            else:
                options: dict[str, Any] = {"countdown": error.retry_in, "retries": retries}
                deliver_message.apply_async((message_id,), again, **options)
            return
        if is_last_attempt(self):
            delivery.give_up_on_sms(message_id=message_id, error=str(error))
            return
        retry(self, error)


@shared_task(bind=True, max_retries=6, acks_late=True)
def check_line_type(self: Any, contact_id: int) -> None:
    """Ask Lookup what a contact's number is; retried while Lookup is down, then left to the
    next text (which asks again, and never waits for the answer to send)."""
    from messaging.actions import check_line_type as check

    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return
    try:
        check(contact=contact)
    except lookup.LookupUnavailable as error:
        if is_last_attempt(self):
            logger.warning("Lookup stayed unavailable for contact %s: %s", contact_id, error)
            return
        retry(self, error, base=30)


@shared_task(bind=True, max_retries=6, acks_late=True)
def email_message(self: Any, message_id: int) -> None:
    try:
        delivery.email_delivery(message_id=message_id, final_attempt=is_last_attempt(self))
    except Exception as error:
        retry(self, error, base=30)


@shared_task(acks_late=True)
def send_due_messages() -> int:
    """Beat, every 30 s: scheduled messages that are due go, each exactly once."""
    from messaging.actions.scheduled import send_due_messages as send_due

    return send_due()


@shared_task(acks_late=True)
def reconcile_messages() -> int:
    return delivery.reconcile_messages()


@shared_task(bind=True, max_retries=6, acks_late=True)
def fetch_inbound_media(self: Any, message_id: int) -> None:
    try:
        inbound.fetch_inbound_media(message_id=message_id, final_attempt=is_last_attempt(self))
    except inbound.MediaFetchError as error:
        retry(self, error)


@shared_task(acks_late=True)
def send_portal_link(contact_id: int) -> None:
    """Only for tasks queued by an earlier release, which texted the link from here: the link
    is now a message in the thread, recorded by the request and delivered by deliver_message."""
    contact = Contact.objects.select_related("organization").filter(pk=contact_id).first()
    if contact is not None:
        notices.send_fresh_portal_link(contact=contact)


@shared_task(bind=True, max_retries=8, acks_late=True)
def remove_stored_files(self: Any, names: list[str]) -> None:
    """Files of redacted messages that storage could not delete at once."""
    storage = Attachment.file.field.storage
    try:
        for name in names:
            storage.delete(name)
    except OSError as error:
        retry(self, error)


@shared_task(acks_late=True)
def build_export(export_id: int) -> None:
    """Build an evidence export someone asked for (messaging.export), once: its row is locked
    while it is built, so a second delivery of the task (or the sweeper) finds nothing to do."""
    from messaging.export import build_locked_export

    build_locked_export(export_id)


@shared_task(acks_late=True)
def requeue_stale_exports() -> int:
    from messaging.export import requeue_stale_exports as requeue

    return requeue()
