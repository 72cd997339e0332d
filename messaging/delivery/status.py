"""Twilio's status callbacks: a message moves forward on Twilio's word, never back.

A text the carrier could not deliver is tried once more when the phone was only unreachable;
otherwise it falls back to email, and a number the carrier says cannot take texts is marked so.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from hona.queueing import enqueue_on_commit
from messaging import actions, tasks
from messaging.delivery import email, journal
from messaging.delivery.codes import (
    NOT_TEXTABLE_ON_THE_WAY,
    RETRY_ONCE_CODES,
    STATUS_RANK,
    TWILIO_STATUS,
    sms_reason,
)
from messaging.failures import Failure
from messaging.models import DeliveryEvent, Message
from messaging.reach import NotBySms


def apply_status_callback(*, sid: str, status: str, error_code: str) -> bool:
    """Move a message forward on Twilio's word; never back. Returns whether it was ours."""
    new_status = TWILIO_STATUS.get(status)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("thread__contact")
            .filter(provider_sid=sid, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None:
            return False
        journal.record(
            message,
            DeliveryEvent.Kind.SMS_STATUS,
            provider_sid=sid,
            status=status[:16],
            error_code=error_code[:16],
        )
        if new_status is None or message.channel not in {Message.Channel.SMS, Message.Channel.MMS}:
            return True  # unknown status, or the message already went by email
        if STATUS_RANK[new_status] <= STATUS_RANK.get(message.status, 0):
            return True  # late, repeated or out of order: never move back
        if new_status in {Message.Status.FAILED, Message.Status.UNDELIVERED}:
            _failed_on_the_way(message, new_status, error_code)
            return True
        journal.move(message, status=new_status)
    return True


def _failed_on_the_way(message: Message, status: str, code: str) -> None:
    reason = sms_reason(code, "the carrier could not deliver the text")
    if code in RETRY_ONCE_CODES and message.sms_attempts < 2:
        journal.record(
            message,
            DeliveryEvent.Kind.SMS_RETRY,
            error_code=code,
            code=Failure.SMS_RETRY,
            reason=reason,
        )
        journal.move(
            message,
            status=Message.Status.QUEUED,
            channel=Message.Channel.PENDING,
            provider_sid="",
            error_code=code,
            failure_code=Failure.SMS_RETRY,
            error_reason=f"Trying SMS once more: {reason}.",
        )
        enqueue_on_commit(
            tasks.deliver_message, message.pk, countdown=settings.SMS_RETRY_DELAY_SECONDS
        )
        return
    journal.move(message, status=status, error_code=code)
    if code in NOT_TEXTABLE_ON_THE_WAY:
        actions.mark_phone_not_textable(
            contact=message.thread.contact,
            reason=f"The carrier reported that {reason}.",
        )
    email.route_to_email(
        message,
        cause=NotBySms(Failure.SMS_UNDELIVERED, reason),
        provider_code=code,
        fallback=True,
    )
