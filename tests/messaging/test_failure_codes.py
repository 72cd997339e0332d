"""Every fallback and failure stores a code beside the words: logic and these tests read codes.

Each test asserts the code first, and the words people read separately.
"""

from __future__ import annotations

import datetime
import socket
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions, delivery
from messaging.failures import Failure
from messaging.models import Contact, DeliveryEvent, Message, Thread
from tests.fakes.twilio import FakeTwilio
from tests.messaging import samples
from tests.messaging.test_delivery import contact_with


def email_only(firm: Organization, email: str = "client@example.com") -> Contact:
    return actions.create_contact(organization=firm, name="Pat Client", email=email)


def closed_port() -> int:
    """A loopback port nobody listens on: a mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_down(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2


def smtp_back(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize(
    ("phone", "textable", "opted_out", "code"),
    [
        ("", False, False, Failure.NO_PHONE),
        ("+14155550177", True, True, Failure.OPTED_OUT),
        ("+14155550178", False, False, Failure.NOT_TEXTABLE),
    ],
)
def test_why_a_message_went_by_email_is_a_code(
    firm: Organization,
    send: Any,
    memory_sms: Any,
    phone: str,
    textable: bool,
    opted_out: bool,
    code: str,
) -> None:
    contact = Contact.objects.create(
        organization=firm,
        name="Pat Client",
        phone=phone,
        phone_textable=textable,
        sms_opted_out=opted_out,
        sms_opted_out_at=timezone.now() if opted_out else None,
        phone_not_textable_reason="" if textable or not phone else "It is a landline.",
        email="pat@example.com",
    )
    actions.ensure_thread(contact=contact)
    message = send(contact.thread)
    assert message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENT
    assert message.fallback_code == code and message.failure_code == ""
    assert memory_sms == []
    assert message.error_reason.startswith("Sent by email because")


def test_files_mms_cannot_carry_are_a_code(thread: Thread, send: Any, memory_sms: Any) -> None:
    docx = actions.NewFile("brief.docx", samples.docx(), "")
    message = send(thread, "The brief", files=[docx])
    assert message.fallback_code == Failure.MMS_FILE_TYPE
    assert "MMS cannot carry brief.docx" in message.error_reason
    big = actions.NewFile("video.mov", samples.mov(5 * 1024 * 1024 + 1), "")
    message = send(thread, "The video", files=[big])
    assert message.fallback_code == Failure.MMS_TOO_LARGE


def test_a_refusal_by_twilio_keeps_twilios_code_and_ours(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    message = send(contact_with(firm, "+15005550009").thread)
    assert message.fallback_code == Failure.SMS_REFUSED and message.error_code == "21614"
    event = message.delivery_events.get(kind=DeliveryEvent.Kind.SMS_REJECTED)
    assert event.code == Failure.SMS_REFUSED and event.error_code == "21614"
    assert "not a mobile number" in message.error_reason


def test_a_carrier_retry_then_a_failure_are_codes(
    fake_twilio: FakeTwilio, thread: Thread, send: Any, settings: Any
) -> None:
    settings.SMS_RETRY_DELAY_SECONDS = 0
    message = send(thread)
    delivery.apply_status_callback(sid=message.provider_sid, status="undelivered", error_code="")
    message.refresh_from_db()
    assert message.fallback_code == Failure.SMS_UNDELIVERED

    second = send(thread, "Again")
    delivery.apply_status_callback(
        sid=second.provider_sid, status="undelivered", error_code="30003"
    )
    second.refresh_from_db()
    assert second.failure_code == Failure.SMS_RETRY
    assert second.error_reason.startswith("Trying SMS once more")


def test_twilio_down_through_every_retry_is_a_code(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    fake_twilio.fail_next(*["429"] * 20)  # busy every time: the task gives up, email goes
    message = send(thread)
    assert message.fallback_code == Failure.SMS_SERVICE_DOWN
    assert message.status == Message.Status.SENT and message.channel == Message.Channel.EMAIL


def test_while_the_mail_server_is_down_the_message_says_it_waits_and_never_sent(
    firm: Organization, send: Any, settings: Any, memory_sms: Any
) -> None:
    contact = email_only(firm)
    with pytest.MonkeyPatch.context() as patch:
        # The first run of the email task meets the server down; its retry comes later.
        patch.setattr("messaging.tasks.email_message.apply_async", lambda *a, **k: None)
        message = send(contact.thread)
    assert message.status == Message.Status.SENDING
    assert message.fallback_code == Failure.NO_PHONE
    assert message.error_reason.startswith("Sending by email because")

    smtp_down(settings)
    with pytest.raises(OSError):
        delivery.email_delivery(message_id=message.pk, final_attempt=False)
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING  # not sent, not failed
    assert message.failure_code == Failure.EMAIL_WAITING
    assert message.error_reason.startswith("Not sent yet: waiting for the mail server")
    assert "Sent by email" not in message.error_reason

    smtp_back(settings)
    delivery.email_delivery(message_id=message.pk, final_attempt=False)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.failure_code == ""
    assert message.error_reason == "Sent by email because Pat Client has no phone number."
    assert len(mail.outbox) == 1
    kinds = list(message.delivery_events.values_list("kind", "code"))
    assert kinds == [("email_failed", Failure.EMAIL_WAITING), ("email_sent", "")]


def test_when_the_mail_server_stays_down_the_message_fails_with_a_code(
    firm: Organization, owner: User, send: Any, settings: Any, memory_sms: Any
) -> None:
    smtp_down(settings)
    message = send(email_only(firm).thread)
    assert message.status == Message.Status.FAILED
    assert message.failure_code == Failure.EMAIL_FAILED
    assert "failed too" in message.error_reason


def test_no_email_address_is_a_code(firm: Organization, send: Any, memory_sms: Any) -> None:
    message = send(email_only(firm, email="").thread)
    assert message.status == Message.Status.FAILED and message.failure_code == Failure.NO_EMAIL
    assert message.delivery_events.get(kind="failed").code == Failure.NO_EMAIL


def test_the_sweeper_resends_a_stuck_email_from_its_code_not_its_words(
    firm: Organization, send: Any, memory_sms: Any
) -> None:
    contact = email_only(firm)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("messaging.tasks.email_message.apply_async", lambda *a, **k: None)
        message = send(contact.thread)
    # Whatever the sentence says now, the retry reads the stored cause.
    Message.objects.filter(pk=message.pk).update(error_reason="(edited by support)")
    later = timezone.now() + datetime.timedelta(hours=1)
    assert delivery.reconcile_messages(now=later) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.error_reason == "Sent by email because Pat Client has no phone number."
