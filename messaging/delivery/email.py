"""The email channel: a message that cannot go by text goes by email with the portal link.

Staff read exactly what happened: "Sending by email because …" while it waits for its task,
"Waiting for the mail server …" while the server refuses (the task retries), and "Sent by email
because …" only once the server took it. When email fails too (or there is none), the message
fails with its reason and the sender is told.
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from hona.queueing import enqueue_on_commit
from hona.text import one_line
from messaging import events, tasks
from messaging.delivery import journal
from messaging.failures import Failure
from messaging.links import download_url
from messaging.models import Attachment, DeliveryEvent, Message
from messaging.portal import portal_url
from messaging.reach import NotBySms

logger = logging.getLogger(__name__)

EMAIL_ATTACH_MAX_BYTES = 10 * 1024 * 1024  # larger files go as download links


def route_to_email(
    message: Message, *, cause: NotBySms, provider_code: str = "", fallback: bool
) -> None:
    """Send by email instead (a task, retried on its own); say why on the message."""
    with transaction.atomic():
        if fallback:
            journal.record(
                message,
                DeliveryEvent.Kind.FALLBACK,
                error_code=provider_code,
                code=cause.code,
                reason=cause.reason,
            )
        journal.move(
            message,
            status=Message.Status.SENDING,
            channel=Message.Channel.EMAIL,
            error_code=provider_code,
            fallback_code=cause.code,
            fallback_reason=cause.reason[:300],
            failure_code="",
            error_reason=f"Sending by email because {cause.reason}."[:500],
        )
        enqueue_on_commit(tasks.email_message, message.pk)


def email_delivery(*, message_id: int, final_attempt: bool) -> None:
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
    because = message.fallback_reason or "it could not go by SMS"
    if not contact.email:
        fail_message(
            message,
            code=Failure.NO_EMAIL,
            reason=f"It could not go by SMS because {because}, and {contact.name} has no email "
            "address on file. Add a mobile number or an email and send again.",
        )
        return
    try:
        send_message_email(message, list(message.attachments.all()))
    except Exception as error:
        logger.warning("Email for message %s failed: %s", message.pk, type(error).__name__)
        if final_attempt:
            fail_message(
                message,
                code=Failure.EMAIL_FAILED,
                reason=f"It could not go by SMS because {because}, and the email to "
                f"{contact.email} failed too ({type(error).__name__}). Check the address and "
                "send again.",
            )
            return
        _waiting_for_mail_server(message, error)
        raise
    with transaction.atomic():
        journal.move(
            message,
            status=Message.Status.SENT,
            failure_code="",
            error_reason=f"Sent by email because {because}."[:500],
        )
        journal.record(message, DeliveryEvent.Kind.EMAIL_SENT, channel=Message.Channel.EMAIL)


@transaction.atomic
def _waiting_for_mail_server(message: Message, error: Exception) -> None:
    because = message.fallback_reason or "it could not go by SMS"
    journal.record(
        message,
        DeliveryEvent.Kind.EMAIL_FAILED,
        channel=Message.Channel.EMAIL,
        code=Failure.EMAIL_WAITING,
        reason=f"The mail server did not take it ({type(error).__name__}).",
    )
    journal.move(
        message,
        failure_code=Failure.EMAIL_WAITING,
        error_reason=(
            "Not sent yet: waiting for the mail server, and it will be tried again. It goes "
            f"by email because {because}."
        )[:500],
    )


@transaction.atomic
def fail_message(message: Message, *, code: Failure, reason: str) -> None:
    """Nobody can be reached: the message fails with its code and reason; the sender is told."""
    journal.move(
        message, status=Message.Status.FAILED, failure_code=code, error_reason=reason[:500]
    )
    journal.record(message, DeliveryEvent.Kind.FAILED, code=code, reason=reason[:500])
    events.publish(events.MessageFailed(message=message))


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
    # A notice (a new portal link) is its own words: the link it carries is the one to open.
    notice = message.is_notice
    email = EmailMessage(
        subject=one_line(
            f"Your link to {organization.name}"
            if notice
            else f"New message from {organization.name}"
        ),
        body=render_to_string(
            "messaging/email/notice.txt" if notice else "messaging/email/message.txt", context
        ),
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
