"""Outbound delivery: the journey of a queued message, one step per task run.

SMS/MMS when the contact can receive texts and the files fit MMS; otherwise email with the
contact's portal link. A Twilio refusal or a failed/undelivered status callback falls back to
email; when email fails too (or there is none), the message fails and its sender is told why.

Retries are safe: a message is claimed (queued → sending) in its own transaction before Twilio is
called, so a second run never sends what Twilio already accepted; when an answer from Twilio was
lost, the retry first asks Twilio whether it has the message.
"""

from __future__ import annotations

import datetime
import logging
import time
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from hona.ratelimit import reserve_slot
from hona.text import one_line
from messaging import events
from messaging.links import download_url, media_url
from messaging.models import Attachment, Contact, DeliveryEvent, Message
from messaging.portal import portal_url
from messaging.sms import OutgoingSms, SmsRejected, SmsUnavailable, get_backend

logger = logging.getLogger(__name__)

MMS_MAX_FILES = 10
MMS_MAX_BYTES = 5 * 1024 * 1024
MMS_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/gif",
        "image/png",
        "image/bmp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "application/pdf",
        "text/vcard",
        "text/x-vcard",
        "text/csv",
        "text/rtf",
        "text/calendar",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/amr",
        "video/mp4",
        "video/mpeg",
        "video/quicktime",
        "video/3gpp",
    }
)
EMAIL_ATTACH_MAX_BYTES = 10 * 1024 * 1024  # larger files go as download links

# Twilio's refusals at send time that say the number cannot take texts.
NOT_TEXTABLE_CODES = frozenset({"21211", "21612", "21614", "21635"})
OPTED_OUT_CODE = "21610"
RETRY_ONCE_CODES = frozenset({"30003"})  # the handset was unreachable: worth one more try
SMS_REASONS = {
    "21211": "the phone number is not valid",
    "21612": "the phone number cannot be reached by SMS",
    "21614": "the phone number is not a mobile number (it may be a landline)",
    "21635": "the phone number is a landline",
    "21610": "the client opted out of texts (replied STOP)",
    "30003": "the client's phone was unreachable (switched off or out of signal)",
    "30004": "the client's carrier or phone blocked the message",
    "30005": "the phone number is unknown or no longer in service",
    "30006": "the number is a landline or its carrier cannot take texts",
    "30007": "the carrier filtered the message",
    "30008": "the carrier reported an unknown error",
    "30032": "the firm's toll-free number is not verified for texting yet",
    "30034": "the firm's number is not registered for texting",
    "30036": "the message waited too long in the carrier's queue",
    "11751": "the files are larger than MMS allows (5 MB)",
    "63034": "the files are larger than MMS allows (5 MB)",
}
STATUS_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENDING: 1,
    Message.Status.SENT: 2,
    Message.Status.DELIVERED: 3,
    Message.Status.UNDELIVERED: 3,
    Message.Status.FAILED: 3,
}
TWILIO_STATUS = {
    "accepted": Message.Status.SENDING,
    "scheduled": Message.Status.SENDING,
    "queued": Message.Status.SENDING,
    "sending": Message.Status.SENDING,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.FAILED,
    "canceled": Message.Status.FAILED,
}
# A hand-over older than this with no answer is treated as lost (the SDK times out sooner).
LOST_AFTER = datetime.timedelta(seconds=60)


def sms_reason(code: str, fallback: str = "") -> str:
    return SMS_REASONS.get(code) or fallback or f"Twilio error {code}"


def fits_mms(attachments: list[Attachment]) -> bool:
    return (
        len(attachments) <= MMS_MAX_FILES
        and sum(a.size for a in attachments) <= MMS_MAX_BYTES
        and all(a.content_type in MMS_TYPES for a in attachments)
    )


def why_not_sms(contact: Contact, attachments: list[Attachment]) -> str | None:
    """Why this message cannot go by SMS/MMS, in plain words; None when it can."""
    if not contact.phone:
        return f"{contact.name} has no phone number"
    if contact.sms_opted_out:
        return f"{contact.name} opted out of texts (replied STOP)"
    if not contact.phone_textable:
        return contact.phone_not_textable_reason or "the phone number cannot receive texts"
    if len(attachments) > MMS_MAX_FILES:
        return f"MMS carries at most {MMS_MAX_FILES} files"
    if sum(a.size for a in attachments) > MMS_MAX_BYTES:
        return "the files are larger than MMS allows (5 MB in total)"
    unsupported = [a.filename for a in attachments if a.content_type not in MMS_TYPES]
    if unsupported:
        return f"MMS cannot carry {', '.join(unsupported)}"
    return None


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("messaging:twilio-status")


def _event(message: Message, kind: str, **fields: str) -> None:
    DeliveryEvent.objects.create(message=message, kind=kind, **fields)


def _update(message: Message, **fields: object) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    message.status_changed_at = timezone.now()
    message.save(update_fields=[*fields, "status_changed_at"])


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
        if message is None or message.provider_sid:
            return None
        if message.status == Message.Status.SENDING and message.channel == "":
            started = message.send_started_at or message.created_at
            if timezone.now() - started < LOST_AFTER:
                raise SmsUnavailable("Another attempt is still in progress.", ambiguous=True)
            return message, True
        if message.status != Message.Status.QUEUED:
            return None
        _update(message, status=Message.Status.SENDING, send_started_at=timezone.now())
        return message, False


def deliver_message(*, message_id: int) -> None:
    """Send a queued message by SMS/MMS, or hand it to email. Raises SmsUnavailable to retry."""
    claimed = _claim(message_id)
    if claimed is None:
        return
    message, resumed = claimed
    contact = message.thread.contact
    attachments = list(message.attachments.all())
    reason = why_not_sms(contact, attachments)
    if reason is not None:
        route_to_email(message, reason=reason, fallback=False)
        return
    sms = OutgoingSms(
        to=contact.phone,
        from_=message.organization.sms_number,
        body=message.body,
        media_urls=[media_url(a) for a in attachments],
        status_callback=status_callback_url(),
    )
    wait = reserve_slot(message.organization.sms_number, message.organization.sms_per_second)
    if wait < 0:
        _update(message, status=Message.Status.QUEUED)
        raise SmsUnavailable(
            "The number's sending rate is used up.", ambiguous=False, retry_in=-wait
        )
    time.sleep(wait)
    backend = get_backend()
    if resumed:
        started = (message.send_started_at or message.created_at) - LOST_AFTER
        sid = backend.find_sent(sms, since=started)
        if sid:
            _accepted(message, sid, "queued", attachments)
            return
    try:
        receipt = backend.send(sms)
    except SmsRejected as rejection:
        _rejected(message, contact, rejection)
        return
    except SmsUnavailable as unavailable:
        if not unavailable.ambiguous:
            # Twilio did not take it: back to the queue, the task retries with backoff.
            _update(message, status=Message.Status.QUEUED)
        raise
    _accepted(message, receipt.sid, receipt.status, attachments)


@transaction.atomic
def _accepted(message: Message, sid: str, status: str, attachments: list[Attachment]) -> None:
    _update(
        message,
        channel=Message.Channel.MMS if attachments else Message.Channel.SMS,
        provider_sid=sid,
        status=TWILIO_STATUS.get(status, Message.Status.SENDING),
        sms_attempts=message.sms_attempts + 1,
    )
    _event(message, DeliveryEvent.Kind.SMS_ACCEPTED, channel=message.channel, provider_sid=sid)


@transaction.atomic
def _rejected(message: Message, contact: Contact, rejection: SmsRejected) -> None:
    from messaging.actions import mark_phone_not_textable
    from messaging.inbound import set_sms_opt_out

    reason = sms_reason(rejection.code, rejection.message)
    _event(
        message,
        DeliveryEvent.Kind.SMS_REJECTED,
        channel=Message.Channel.SMS,
        error_code=rejection.code,
        reason=reason,
    )
    if rejection.code in NOT_TEXTABLE_CODES:
        mark_phone_not_textable(
            contact=contact, reason=f"Twilio reported that {reason} (error {rejection.code})."
        )
    elif rejection.code == OPTED_OUT_CODE:
        set_sms_opt_out(contact=contact, opted_out=True, keyword="", source="Twilio error 21610")
    route_to_email(message, reason=reason, code=rejection.code, fallback=True)


def route_to_email(message: Message, *, reason: str, code: str = "", fallback: bool) -> None:
    """Send by email instead (a task, retried on its own); say why on the message."""
    from messaging.tasks import email_message

    with transaction.atomic():
        note = f"Sent by email because {reason}."
        if fallback:
            _event(message, DeliveryEvent.Kind.FALLBACK, error_code=code, reason=reason)
        _update(
            message,
            status=Message.Status.SENDING,
            channel=Message.Channel.EMAIL,
            error_code=code,
            error_reason=note,
        )
        email_message.delay_on_commit(message.pk, reason)  # type: ignore[attr-defined]


def email_delivery(*, message_id: int, reason: str, final_attempt: bool) -> None:
    """Send the message by email. Raises on a transient failure unless this is the last try."""
    message = (
        Message.objects.select_related("thread__contact", "organization", "sender")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.status != Message.Status.SENDING:
        return
    if message.channel != Message.Channel.EMAIL:
        return
    contact = message.thread.contact
    if not contact.email:
        fail_message(
            message,
            f"It could not go by SMS because {reason}, and {contact.name} has no email address "
            "on file. Add a mobile number or an email and send again.",
        )
        return
    try:
        send_message_email(message, list(message.attachments.all()))
    except Exception as error:
        logger.warning("Email for message %s failed: %s", message.pk, type(error).__name__)
        if not final_attempt:
            raise
        fail_message(
            message,
            f"It could not go by SMS because {reason}, and the email to {contact.email} "
            f"failed too ({type(error).__name__}). Check the address and send again.",
        )
        return
    with transaction.atomic():
        _update(message, status=Message.Status.SENT)
        _event(message, DeliveryEvent.Kind.EMAIL_SENT, channel=Message.Channel.EMAIL)


@transaction.atomic
def fail_message(message: Message, reason: str) -> None:
    _update(message, status=Message.Status.FAILED, error_reason=reason[:500])
    _event(message, DeliveryEvent.Kind.FAILED, reason=reason[:500])
    events.publish(events.MessageFailed(message=message))  # the sender is told


def send_message_email(message: Message, attachments: list[Attachment]) -> None:
    organization = message.organization
    contact = message.thread.contact
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    attach = sum(a.size for a in attachments) <= EMAIL_ATTACH_MAX_BYTES
    context = {
        "firm": organization,
        "contact": contact,
        "message": message,
        "portal_url": portal_url(contact),
        "links": [] if attach else [(a, download_url(a)) for a in attachments if a.file],
        "attached": attachments if attach else [],
    }
    email = EmailMessage(
        subject=one_line(f"New message from {organization.name}"),
        body=render_to_string("messaging/email/message.txt", context),
        from_email=formataddr((one_line(organization.name), from_address)),
        to=[contact.email],
    )
    if attach:
        for attachment in attachments:
            if not attachment.file:
                continue
            with attachment.file.open("rb") as handle:
                email.attach(attachment.filename, handle.read(), attachment.content_type)
    email.send()


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
    route_to_email(message, reason="the SMS service could not be reached", fallback=True)


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
        _event(
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
        _update(message, status=new_status)
    return True


def _failed_on_the_way(message: Message, status: str, code: str) -> None:
    from messaging.tasks import deliver_message as deliver_task

    reason = sms_reason(code, "the carrier could not deliver the text")
    if code in RETRY_ONCE_CODES and message.sms_attempts < 2:
        _event(message, DeliveryEvent.Kind.SMS_RETRY, error_code=code, reason=reason)
        _update(
            message,
            status=Message.Status.QUEUED,
            channel=Message.Channel.PENDING,
            provider_sid="",
            error_code=code,
            error_reason=f"Trying SMS once more: {reason}.",
        )
        message_id, delay = message.pk, settings.SMS_RETRY_DELAY_SECONDS
        transaction.on_commit(lambda: deliver_task.apply_async((message_id,), countdown=delay))
        return
    _update(message, status=status, error_code=code)
    if code in {"30005", "30006"}:
        from messaging.actions import mark_phone_not_textable

        mark_phone_not_textable(
            contact=message.thread.contact,
            reason=f"The carrier reported that {reason} (error {code}).",
        )
    route_to_email(message, reason=reason, code=code, fallback=True)


STUCK_AFTER = datetime.timedelta(minutes=2)


UNCONFIRMED_AFTER = datetime.timedelta(minutes=10)


def reconcile_messages(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Catch up on messages stuck in queued or sending; returns how many were acted on.

    Work that never reached a worker (Redis down when it was enqueued, a worker lost) goes back to
    the queue, and texts Twilio took but never reported on are asked about by their id (status
    callbacks can be lost too). Safe to repeat: every step checks the message's state first.
    """
    from messaging.tasks import deliver_message as deliver_task
    from messaging.tasks import email_message

    now = now or timezone.now()
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND, provider_sid="")
    waiting = outbound.filter(
        status__in=[Message.Status.QUEUED, Message.Status.SENDING],
        channel=Message.Channel.PENDING,
        status_changed_at__lt=now - STUCK_AFTER,
    ).values_list("pk", flat=True)[:limit]
    emails = outbound.filter(
        status=Message.Status.SENDING,
        channel=Message.Channel.EMAIL,
        status_changed_at__lt=now - datetime.timedelta(minutes=30),
    ).values_list("pk", "error_reason")[:limit]
    unconfirmed = (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.SENDING,
            channel__in=[Message.Channel.SMS, Message.Channel.MMS],
            status_changed_at__lt=now - UNCONFIRMED_AFTER,
        )
        .exclude(provider_sid="")
        .values_list("provider_sid", flat=True)[:limit]
    )
    count = 0
    backend = get_backend()
    for sid in unconfirmed:
        found = backend.fetch_status(sid)
        if found is not None and found[0] not in {"queued", "accepted", "sending", "scheduled"}:
            apply_status_callback(sid=sid, status=found[0], error_code=found[1])
            count += 1
    for message_id in waiting:
        deliver_task.delay(message_id)
        count += 1
    for message_id, note in emails:
        reason = note.removeprefix("Sent by email because ").rstrip(".") or "of an earlier error"
        email_message.delay(message_id, reason)
        count += 1
    return count
