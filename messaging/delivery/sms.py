"""The hand-over of a queued message to Twilio: SMS, or MMS with its files.

A message is claimed (queued → sending) in its own transaction before Twilio is called, so a
second run never sends what Twilio already accepted; when Twilio's answer was lost, the retry
first asks Twilio whether it has the message. Each send takes the next slot of the firm number's
rate (hona.ratelimit); until the slot is due the message waits in the broker, holding it, never
in a sleeping worker, so the worker sends other firms' texts meanwhile.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hona.queueing import enqueue_on_commit
from hona.ratelimit import mark_sent, take_slot
from messaging import actions, tasks
from messaging.delivery import email, journal
from messaging.delivery.codes import (
    NOT_TEXTABLE_CODES,
    OPTED_OUT_CODE,
    TWILIO_STATUS,
    as_sentence,
    sms_reason,
)
from messaging.failures import Failure
from messaging.links import media_url
from messaging.lookup import LookupUnavailable
from messaging.models import Attachment, Contact, DeliveryEvent, Message
from messaging.reach import NotBySms, why_not_sms
from messaging.sms import OutgoingSms, SmsRejected, SmsUnavailable, get_backend

logger = logging.getLogger(__name__)

# A hand-over older than this with no answer is treated as lost (the SDK times out sooner).
LOST_AFTER = datetime.timedelta(seconds=60)


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("messaging:twilio-status")


def _claim(message_id: int) -> tuple[Message, bool] | None:
    """Take a queued message for sending, or resume one whose last hand-over was lost.

    Returns (message, resumed) or None when there is nothing to do.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("thread__contact", "organization")
            .filter(pk=message_id, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None or message.provider_sid or message.media_pending:
            return None  # done already, or still gathering its files (it is queued again then)
        if message.status == Message.Status.SENDING and message.channel == "":
            started = message.send_started_at or message.created_at
            if timezone.now() - started < LOST_AFTER:
                raise SmsUnavailable("Another attempt is still in progress.", ambiguous=True)
            return message, True
        if message.status != Message.Status.QUEUED:
            return None
        journal.move(message, status=Message.Status.SENDING, send_started_at=timezone.now())
        return message, False


def _slot(message: Message, held: float | None) -> tuple[float, float]:
    """(seconds until this message's slot of the number's rate, the slot)."""
    organization = message.organization
    try:
        return take_slot(organization.sms_number, organization.sms_per_second, held=held)
    except Exception as error:  # the rate's store (Redis) is down: try again, send nothing now
        raise SmsUnavailable(
            f"The sending rate could not be checked ({type(error).__name__}).", ambiguous=False
        ) from None


def _mark_sent(message: Message) -> None:
    """Count the number's spacing from the provider's answer (hona.ratelimit.mark_sent)."""
    organization = message.organization
    try:
        mark_sent(organization.sms_number, organization.sms_per_second)
    except Exception:  # the rate's store is down: the slot already taken still holds the pace
        logger.warning("Could not note the send from %s", organization.sms_number, exc_info=True)


def _look_up_line_type(contact: Contact) -> None:
    """Before a number's first text (and when its answer is old), ask Lookup whether it is a
    landline: one goes to email with the reason, before a text fails. Lookup never holds a text
    back: when it cannot answer, the text goes and the question is asked again later."""
    try:
        actions.check_line_type(contact=contact)
    except LookupUnavailable as error:
        logger.warning("Lookup unavailable for contact %s: %s", contact.pk, error)
        enqueue_on_commit(tasks.check_line_type, contact.pk, countdown=60)


def deliver_message(*, message_id: int, slot: float | None = None) -> None:
    """Send a queued message by SMS/MMS, or hand it to email. Raises SmsUnavailable to retry;
    with retry_in set when its slot of the number's rate is not due yet (come back then with
    `slot`, the one reserved for it)."""
    claimed = _claim(message_id)
    if claimed is None:
        return
    message, resumed = claimed
    contact = message.thread.contact
    attachments = list(message.attachments.all())
    if not resumed:
        _look_up_line_type(contact)
    asking = message.kind == Message.Kind.CONSENT_REQUEST  # the one text without consent
    cause = why_not_sms(contact, attachments, asking_consent=asking)
    if cause is not None:
        email.route_to_email(message, cause=cause, fallback=False)
        return
    sms = OutgoingSms(
        to=contact.phone,
        from_=message.organization.sms_number,
        body=message.body,
        media_urls=[media_url(a) for a in attachments],
        status_callback=status_callback_url(),
    )
    backend = get_backend()
    if resumed:
        # Asked before the rate: a question is not a send, and once Twilio says it has nothing,
        # the message may wait for its slot as queued like any other.
        started = (message.send_started_at or message.created_at) - LOST_AFTER
        sid = backend.find_sent(sms, since=started)
        if sid:
            _accepted(message, sid, "queued", attachments)
            return
    try:
        wait, slot = _slot(message, slot)
    except SmsUnavailable:
        journal.move(message, status=Message.Status.QUEUED)
        raise
    if wait > 0:
        journal.move(message, status=Message.Status.QUEUED)
        raise SmsUnavailable(
            "The number's sending rate is used up.", ambiguous=False, retry_in=wait, slot=slot
        )
    try:
        receipt = backend.send(sms)
    except SmsRejected as rejection:
        _rejected(message, contact, rejection)
        return
    except SmsUnavailable as unavailable:
        if not unavailable.ambiguous:
            # Twilio did not take it: back to the queue, the task retries with backoff.
            journal.move(message, status=Message.Status.QUEUED)
        raise
    finally:
        _mark_sent(message)
    _accepted(message, receipt.sid, receipt.status, attachments)


@transaction.atomic
def _accepted(message: Message, sid: str, status: str, attachments: list[Attachment]) -> None:
    journal.move(
        message,
        channel=Message.Channel.MMS if attachments else Message.Channel.SMS,
        provider_sid=sid,
        status=TWILIO_STATUS.get(status, Message.Status.SENDING),
        sms_attempts=message.sms_attempts + 1,
    )
    journal.record(
        message, DeliveryEvent.Kind.SMS_ACCEPTED, channel=message.channel, provider_sid=sid
    )
    contact = message.thread.contact
    if contact.first_texted_at is None:  # no longer new to the firm's consent rule
        contact.first_texted_at = timezone.now()
        Contact.objects.filter(pk=contact.pk, first_texted_at__isnull=True).update(
            first_texted_at=contact.first_texted_at
        )


@transaction.atomic
def _rejected(message: Message, contact: Contact, rejection: SmsRejected) -> None:
    reason = sms_reason(rejection.code)  # plain words; the code is kept beside them
    journal.record(
        message,
        DeliveryEvent.Kind.SMS_REJECTED,
        channel=Message.Channel.SMS,
        error_code=rejection.code,
        code=Failure.SMS_REFUSED,
        reason=reason,
    )
    if rejection.code in NOT_TEXTABLE_CODES:
        actions.mark_phone_not_textable(contact=contact, reason=as_sentence(reason))
    elif rejection.code == OPTED_OUT_CODE:
        actions.set_sms_opt_out(
            contact=contact, opted_out=True, keyword="", source="Twilio error 21610"
        )
    email.route_to_email(
        message,
        cause=NotBySms(Failure.SMS_REFUSED, reason),
        provider_code=rejection.code,
        fallback=True,
    )


def give_up_on_sms(*, message_id: int, error: str) -> None:
    """Twilio stayed unreachable through every retry: email instead, so nothing waits forever."""
    message = Message.objects.select_related("thread__contact").filter(pk=message_id).first()
    if message is None or message.provider_sid:
        return
    if message.status not in {Message.Status.QUEUED, Message.Status.SENDING}:
        return
    if message.channel not in {Message.Channel.PENDING}:
        return
    logger.warning("Giving up on SMS for message %s: %s", message_id, error)
    email.route_to_email(
        message,
        cause=NotBySms(Failure.SMS_SERVICE_DOWN, "the SMS service could not be reached"),
        fallback=True,
    )
