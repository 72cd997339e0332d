"""A new portal link is a message in the thread: recorded, delivered once, paced and swept up."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from cms_sync import actions as cms
from cms_sync.models import OutboxEntry
from hona.models import Organization, User
from hona.ratelimit import reserve_slot
from messaging import actions, delivery, notices
from messaging.failures import Failure
from messaging.models import Contact, Message
from messaging.portal import portal_url
from messaging.sms import MemoryBackend, SmsUnavailable
from projects.actions import create_project
from tests.fakes.clio import FakeClio


@pytest.fixture(autouse=True)
def sms_outbox(settings: Any) -> list[Any]:
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


def expired_link(contact: Contact, settings: Any) -> str:
    long_ago = time.time() - (settings.PORTAL_LINK_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        return portal_url(contact).removeprefix(settings.PUBLIC_BASE_URL)


def ask_for_a_new_link(client: Client, contact: Contact, settings: Any, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(expired_link(contact, settings))


def notices_of(contact: Contact) -> list[Message]:
    return list(Message.objects.filter(thread__contact=contact, kind=Message.Kind.PORTAL_LINK))


def test_a_new_link_is_a_message_in_the_thread_texted_once_with_its_status(
    client: Client,
    contact: Contact,
    settings: Any,
    sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = ask_for_a_new_link(client, contact, settings, django_capture_on_commit_callbacks)
    assert "We are texting a new link to your phone number on file." in page.text
    [notice] = notices_of(contact)
    assert notice.direction == "out" and notice.sender is None
    assert notice.body.startswith("Demo Law: here is your new link to your conversation with us: ")
    assert notice.channel == "sms" and notice.status == "sending" and notice.provider_sid
    [sms] = sms_outbox
    assert sms.to == contact.phone and sms.body == notice.body
    assert sms.from_ == contact.organization.sms_number

    delivery.deliver_message(message_id=notice.pk)  # a retry, or the sweeper, runs it again
    assert len(sms_outbox) == 1


def test_staff_see_the_link_in_the_thread_as_automated_with_its_status(
    client: Client,
    contact: Contact,
    owner: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ask_for_a_new_link(Client(), contact, settings, django_capture_on_commit_callbacks)
    client.force_login(owner)
    html = client.get(f"/conversations/{contact.thread.pk}/").text
    assert '<span class="message-sender">Automated: new conversation link</span>' in html
    assert '<span class="message-status status-sending">Sending</span>' in html


def test_a_link_whose_task_never_ran_is_sent_once_by_the_sweeper(
    client: Client, contact: Contact, settings: Any, sms_outbox: list[Any]
) -> None:
    client.post(expired_link(contact, settings))  # committed, but its task never reached a worker
    [notice] = notices_of(contact)
    assert notice.status == "queued" and sms_outbox == []
    later = notice.status_changed_at + datetime.timedelta(minutes=5)
    assert delivery.reconcile_messages(now=later) == 1
    assert delivery.reconcile_messages(now=later) == 0
    notice.refresh_from_db()
    assert notice.provider_sid and len(sms_outbox) == 1


def test_a_link_waits_for_the_numbers_rate_and_is_not_sent_early(
    contact: Contact, firm: Organization, sms_outbox: list[Any]
) -> None:
    Organization.objects.filter(pk=firm.pk).update(sms_per_second=Decimal("0.1"))
    reserve_slot(firm.sms_number, Decimal("0.1"))  # another text from this number just went
    notices.send_fresh_portal_link(contact=Contact.objects.get(pk=contact.pk))
    [notice] = notices_of(contact)
    with pytest.raises(SmsUnavailable) as paced:
        delivery.deliver_message(message_id=notice.pk)
    assert paced.value.retry_in is not None and paced.value.retry_in > 5
    notice.refresh_from_db()
    assert notice.status == "queued" and sms_outbox == []


def test_a_client_who_prefers_email_gets_the_link_by_email_with_the_reason_recorded(
    client: Client,
    contact: Contact,
    settings: Any,
    sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Contact.objects.filter(pk=contact.pk).update(notification_preference="email")
    page = ask_for_a_new_link(client, contact, settings, django_capture_on_commit_callbacks)
    assert "We are emailing a new link to your email address on file." in page.text
    [notice] = notices_of(contact)
    assert notice.channel == "email" and notice.status == "sent"
    assert notice.fallback_code == Failure.PREFERS_EMAIL
    assert notice.error_reason == "Sent by email because Jane Doe asked for notices by email."
    [email] = mail.outbox
    assert email.to == ["jane@example.com"] and email.subject == "Your link to Demo Law"
    assert notice.body in email.body and email.body.count("/p/") == 1
    assert sms_outbox == []


def test_a_client_who_wants_both_gets_one_text_and_one_email(
    client: Client,
    contact: Contact,
    settings: Any,
    sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Contact.objects.filter(pk=contact.pk).update(notification_preference="both")
    ask_for_a_new_link(client, contact, settings, django_capture_on_commit_callbacks)
    assert sorted(n.channel for n in notices_of(contact)) == ["email", "sms"]
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_a_link_for_a_client_with_no_phone_goes_by_email_saying_why(
    client: Client,
    firm: Organization,
    settings: Any,
    sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    erik = actions.create_contact(organization=firm, name="Erik", email="erik@example.no")
    ask_for_a_new_link(client, erik, settings, django_capture_on_commit_callbacks)
    [notice] = notices_of(erik)
    assert notice.channel == "email" and notice.fallback_code == Failure.NO_PHONE
    assert len(mail.outbox) == 1 and sms_outbox == []


def test_with_nowhere_to_send_a_link_nothing_is_recorded_and_the_client_is_told(
    client: Client,
    firm: Organization,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    nobody = actions.create_contact(organization=firm, name="Nobody")
    page = ask_for_a_new_link(client, nobody, settings, django_capture_on_commit_callbacks)
    assert "We have no phone number or email to send a link to." in page.text
    assert notices_of(nobody) == []


def test_the_renew_button_is_still_rate_limited_per_contact(
    client: Client,
    contact: Contact,
    settings: Any,
    sms_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    pages = [
        ask_for_a_new_link(client, contact, settings, django_capture_on_commit_callbacks)
        for _ in range(4)
    ]
    assert "A new link was sent a short while ago." in pages[-1].text
    assert len(notices_of(contact)) == len(sms_outbox) == 3


def test_a_new_link_is_filed_to_the_case_as_part_of_the_record(
    fake_clio: FakeClio,
    firm: Organization,
    owner: User,
    contact: Contact,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cms.connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="x")
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    actions.add_contact_to_project(contact=contact, project=project)
    ask_for_a_new_link(Client(), contact, settings, django_capture_on_commit_callbacks)
    [notice] = notices_of(contact)
    assert OutboxEntry.objects.filter(message=notice).count() == 1
    [communication] = fake_clio.communications
    # Signed by the firm that sent it, never by the client it went to.
    assert communication["body"].splitlines()[-2] == f"— {firm.name}"
