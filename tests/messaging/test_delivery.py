"""Messages really travel: the real twilio SDK against a fake Twilio API on 127.0.0.1."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions, delivery
from messaging.models import ConsentEvent, Contact, DeliveryEvent, Message, Thread
from notifications.models import Notification
from tests.fakes.twilio import FakeTwilio
from tests.messaging import samples


def contact_with(firm: Organization, phone: str, email: str = "client@example.com") -> Contact:
    contact = Contact.objects.create(
        organization=firm, name="Pat Client", phone=phone, phone_textable=True, email=email
    )
    actions.ensure_thread(contact=contact)
    return contact


def test_a_message_goes_by_sms_from_the_firms_number_with_a_status_callback(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    message = send(thread)
    [sent] = fake_twilio.messages
    assert sent["to"] == "+14155550134"
    assert sent["from"] == thread.organization.sms_number
    assert sent["body"] == "Your hearing is on Tuesday."
    assert sent["status_callback"] == "http://127.0.0.1:8000/webhooks/twilio/status/"
    assert message.provider_sid == sent["sid"]
    assert message.channel == Message.Channel.SMS
    assert message.status == Message.Status.SENDING  # Twilio queued it; callbacks move it on


def test_files_go_by_mms_from_signed_urls_with_the_right_content_type(
    fake_twilio: FakeTwilio, thread: Thread, send: Any, client: Client
) -> None:
    photo = actions.NewFile("id card.png", b"\x89PNG\r\n" + b"x" * 500, "image/png")
    message = send(thread, "Here is the form", files=[photo])
    [sent] = fake_twilio.messages
    assert message.channel == Message.Channel.MMS
    [url] = sent["media_urls"]
    assert url.startswith("http://127.0.0.1:8000/media/")
    path = url.removeprefix("http://127.0.0.1:8000")
    fetched = client.get(path)
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "image/png"
    assert fetched["Content-Disposition"] == 'inline; filename="idcard.png"'
    assert client.head(path).status_code == 200
    assert client.get(path[:-4] + "AAA/").status_code == 404  # a forged link


def test_files_that_do_not_fit_mms_go_by_email_with_the_reason(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    big = actions.NewFile("video.mov", samples.mov(5 * 1024 * 1024 + 1), "video/quicktime")
    message = send(thread, "The deposition video", files=[big])
    assert fake_twilio.messages == []
    assert message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENT
    assert "larger than MMS allows" in message.error_reason
    [email] = mail.outbox
    assert "video.mov" in str(email.body)  # attached, or linked when too large


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("+15005550001", "21211", "not valid"),
        ("+15005550002", "21612", "cannot be reached by SMS"),
        ("+15005550009", "21614", "not a mobile number"),
        ("+15005550010", "21635", "landline"),
    ],
)
def test_a_number_twilio_refuses_falls_back_to_email_and_is_marked_not_textable(
    fake_twilio: FakeTwilio,
    firm: Organization,
    send: Any,
    settings: Any,
    number: str,
    code: str,
    words: str,
) -> None:
    settings.TWILIO_LOOKUP = False  # Lookup off: Twilio's refusal is what tells (test_lookup.py)
    contact = contact_with(firm, number)
    message = send(contact.thread)
    contact.refresh_from_db()
    # The contact's reason is in words; Twilio's code stays on the message, apart from them.
    assert not contact.phone_textable and words in contact.phone_not_textable_reason
    assert code not in contact.phone_not_textable_reason
    assert message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENT
    assert message.error_code == code and words in message.error_reason
    assert message.error_reason.startswith("Sent by email because")
    assert mail.outbox[0].to == ["client@example.com"]
    kinds = list(message.delivery_events.values_list("kind", flat=True))
    assert kinds == ["sms_rejected", "fallback", "email_sent"]
    # The next message goes straight to email.
    send(contact.thread, "Second")
    assert len(fake_twilio.messages) == 0


def test_an_opted_out_recipient_is_marked_opted_out_and_emailed(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    contact = contact_with(firm, "+15005550004")
    message = send(contact.thread)
    contact.refresh_from_db()
    assert contact.sms_opted_out and contact.sms_opted_out_at is not None
    assert ConsentEvent.objects.get(contact=contact).source == "Twilio error 21610"
    assert message.channel == Message.Channel.EMAIL
    assert "opted out" in message.error_reason


def test_rate_limits_are_retried_and_the_message_is_sent_once(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    fake_twilio.fail_next("429", "429")
    message = send(thread)
    assert len(fake_twilio.messages) == 1
    assert message.provider_sid == fake_twilio.messages[0]["sid"]
    creates = [r for r in fake_twilio.requests if r[0] == "POST"]
    assert len(creates) == 3


def test_a_server_error_is_retried_without_sending_twice(
    fake_twilio: FakeTwilio, thread: Thread, send: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery.sms, "LOST_AFTER", datetime.timedelta(0))
    fake_twilio.fail_next("500")
    message = send(thread)
    assert len(fake_twilio.messages) == 1
    assert message.provider_sid == fake_twilio.messages[0]["sid"]


def test_a_lost_answer_is_found_at_twilio_instead_of_sending_again(
    fake_twilio: FakeTwilio, thread: Thread, send: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery.sms, "LOST_AFTER", datetime.timedelta(0))
    fake_twilio.fail_next("drop-after-accept")  # Twilio took it, the answer never came
    message = send(thread)
    assert len(fake_twilio.messages) == 1
    assert message.provider_sid == fake_twilio.messages[0]["sid"]
    assert message.channel == Message.Channel.SMS


def test_when_email_fails_too_the_message_fails_and_the_sender_is_told_why(
    fake_twilio: FakeTwilio, firm: Organization, owner: User, send: Any, settings: Any
) -> None:
    contact = contact_with(firm, "+15005550009", email="")
    message = send(contact.thread)
    assert message.status == Message.Status.FAILED
    assert "not a mobile number" in message.error_reason
    assert "no email address on file" in message.error_reason
    notice = Notification.objects.get(user=owner)
    assert notice.title == "Your message to Pat Client was not delivered"
    assert notice.thread_id == contact.thread.pk
    [email] = mail.outbox  # the sender hears by email too
    assert email.to == [owner.email] and "not delivered" in email.subject


def test_an_unreachable_mail_server_fails_the_message_after_retries(
    fake_twilio: FakeTwilio, firm: Organization, owner: User, send: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    contact = contact_with(firm, "+15005550001")
    message = send(contact.thread)
    assert message.status == Message.Status.FAILED
    assert "email to client@example.com failed too" in message.error_reason
    assert Notification.objects.filter(user=owner, message=message).exists()
    assert DeliveryEvent.objects.filter(message=message, kind="failed").exists()


def test_the_thread_shows_the_fallback_reason(
    fake_twilio: FakeTwilio,
    firm: Organization,
    client: Client,
    owner: User,
    send: Any,
    settings: Any,
) -> None:
    settings.TWILIO_LOOKUP = False  # Twilio's refusal tells, as when Lookup cannot
    contact = contact_with(firm, "+15005550010")
    send(contact.thread)
    client.force_login(owner)
    html = client.get(reverse("messaging:thread-detail", args=[contact.thread.pk])).text
    assert "Sent by email because the phone number is a landline." in html


def test_a_message_whose_task_was_lost_is_sent_by_the_sweeper(
    fake_twilio: FakeTwilio, thread: Thread, owner: User
) -> None:
    # Enqueued work lost (the broker was down): nothing ran on commit.
    message = actions.send_message(thread=thread, sender=owner, body="Still on for 3pm?")
    assert fake_twilio.messages == []
    assert delivery.reconcile_messages() == 0  # too fresh to call stuck
    later = timezone.now() + datetime.timedelta(minutes=3)
    assert delivery.reconcile_messages(now=later) == 1
    message.refresh_from_db()
    assert message.provider_sid == fake_twilio.messages[0]["sid"]
    assert delivery.reconcile_messages(now=later) == 0  # sent: nothing left to do


def test_a_text_whose_status_callback_never_came_is_reconciled_by_asking_twilio(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    message = send(thread)
    assert message.status == Message.Status.SENDING
    fake_twilio.set_status(message.provider_sid, "delivered")
    assert delivery.reconcile_messages() == 0  # too early to worry
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert delivery.reconcile_messages(now=later) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert (
        "GET",
        f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages/{message.provider_sid}.json",
    ) in fake_twilio.requests


def test_a_text_twilio_reports_undelivered_on_reconciliation_falls_back_to_email(
    fake_twilio: FakeTwilio, thread: Thread, send: Any
) -> None:
    message = send(thread)
    fake_twilio.set_status(message.provider_sid, "undelivered", 30005)
    delivery.reconcile_messages(now=timezone.now() + datetime.timedelta(minutes=11))
    message.refresh_from_db()
    assert message.channel == Message.Channel.EMAIL
    assert "no longer in service" in message.error_reason


def test_a_burst_never_exceeds_the_numbers_rate(
    fake_twilio: FakeTwilio, firm: Organization, thread: Thread, send: Any
) -> None:
    Organization.objects.filter(pk=firm.pk).update(sms_per_second=3)
    for index in range(7):
        send(thread, f"Burst {index}")
    times = sorted(m["received_at"] for m in fake_twilio.messages)
    assert len(times) == 7
    # Slots are a third of a second apart; what the fake sees adds a little network jitter.
    for start in range(len(times) - 3):
        assert times[start + 3] - times[start] >= 0.8
    assert (len(times) - 1) / (times[-1] - times[0]) <= 3.3


def test_files_too_large_for_email_go_as_signed_download_links(
    firm: Organization, send: Any, client: Client, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    contact = actions.create_contact(organization=firm, name="Erik Larsen", email="erik@example.no")
    big = actions.NewFile(
        "deposition.pdf", b"%PDF-1.4" + b"0" * (11 * 1024 * 1024), "application/pdf"
    )
    message = send(contact.thread, "The full deposition", files=[big])
    assert message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENT
    [email] = mail.outbox
    assert email.attachments == []
    link = re.search(r"deposition\.pdf: (http://127\.0\.0\.1:8000/files/\S+/)", str(email.body))
    assert link, email.body
    download = client.get(link.group(1).removeprefix("http://127.0.0.1:8000"))
    assert download.status_code == 200 and download.getvalue().startswith(b"%PDF-1.4")
