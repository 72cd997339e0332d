"""Outbound delivery: pick the channel for a queued message and hand it over.

SMS/MMS when the contact can receive texts and the files fit MMS; otherwise email with the
contact's portal link. Runs in a task, never in a web request.
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from messaging.models import Attachment, Message
from messaging.portal import portal_url
from messaging.sms import OutgoingSms, get_backend

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
MEDIA_SALT = "hona.media"
MEDIA_MAX_AGE = 60 * 60 * 12  # Twilio may hold a message in its queue for up to 10 hours


def fits_mms(attachments: list[Attachment]) -> bool:
    return (
        len(attachments) <= MMS_MAX_FILES
        and sum(a.size for a in attachments) <= MMS_MAX_BYTES
        and all(a.content_type in MMS_TYPES for a in attachments)
    )


def media_url(attachment: Attachment) -> str:
    token = signing.dumps({"a": attachment.pk}, salt=MEDIA_SALT)
    return settings.PUBLIC_BASE_URL + reverse("messaging:media", kwargs={"token": token})


def read_media_token(token: str) -> int:
    payload = signing.loads(token, salt=MEDIA_SALT, max_age=MEDIA_MAX_AGE)
    return int(payload["a"])


def _claim(message_id: int) -> Message | None:
    """Move a queued message to sending, so a retried task never sends it twice."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("thread__contact", "organization")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.direction != Message.Direction.OUTBOUND:
            return None
        if message.status != Message.Status.QUEUED or message.provider_sid:
            return None
        message.status = Message.Status.SENDING
        message.status_changed_at = timezone.now()
        message.save(update_fields=["status", "status_changed_at"])
        return message


def _finish(message: Message, **fields: object) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    message.status_changed_at = timezone.now()
    message.save(update_fields=[*fields, "status_changed_at"])


def deliver_message(*, message_id: int) -> None:
    message = _claim(message_id)
    if message is None:
        return
    contact = message.thread.contact
    attachments = list(message.attachments.all())
    if contact.can_receive_sms and fits_mms(attachments):
        receipt = get_backend().send(
            OutgoingSms(
                to=contact.phone,
                from_=message.organization.sms_number,
                body=message.body,
                media_urls=[media_url(a) for a in attachments],
            )
        )
        _finish(
            message,
            channel=Message.Channel.MMS if attachments else Message.Channel.SMS,
            provider_sid=receipt.sid,
            # Twilio's "queued" means it accepted the message: for us it is on its way.
            status=Message.Status.SENT if receipt.status == "sent" else Message.Status.SENDING,
        )
        return
    if contact.email:
        send_message_email(message, attachments)
        _finish(message, channel=Message.Channel.EMAIL, status=Message.Status.SENT)
        return
    _finish(
        message,
        channel=Message.Channel.PENDING,
        status=Message.Status.FAILED,
        error_reason=f"{contact.name} has no phone number that can receive texts and no email "
        "address. Add one to their contact and send again.",
    )


def send_message_email(message: Message, attachments: list[Attachment]) -> None:
    organization = message.organization
    contact = message.thread.contact
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    context = {
        "firm": organization,
        "contact": contact,
        "message": message,
        "portal_url": portal_url(contact),
    }
    email = EmailMessage(
        subject=f"New message from {organization.name}",
        body=render_to_string("messaging/email/message.txt", context),
        from_email=formataddr((organization.name, from_address)),
        to=[contact.email],
    )
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)
    email.send()
