"""The database itself refuses what the product must never store."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from hona.models import Organization, User
from messaging.models import Contact, Message, MessageTemplate, Thread
from tests.conftest import receive


def insert_message(thread: Thread, **fields: object) -> Message:
    """Write straight to the table, past every check in the actions, to test the database."""
    values: dict[str, object] = {
        "direction": "in",
        "status": "received",
        "channel": "sms",
        "body": "hello",
        **fields,
    }
    now = timezone.now()
    return Message.objects.create(
        organization=thread.organization,
        thread=thread,
        created_at=now,
        status_changed_at=now,
        **values,
    )


def test_a_contact_has_exactly_one_thread(contact: Contact) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(organization=contact.organization, contact=contact)
    assert Thread.objects.filter(contact=contact).count() == 1


def test_the_database_refuses_a_message_over_1600_characters(thread: Thread) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_message(thread, direction="in", status="received", channel="sms", body="x" * 1601)
    assert not Message.objects.exists()


def test_a_message_of_exactly_1600_characters_is_stored(thread: Thread) -> None:
    message = receive(thread, "é" * 1600)
    message.refresh_from_db()
    assert len(message.body) == 1600


def test_a_provider_id_is_unique_when_present_and_blank_is_allowed_many_times(
    thread: Thread,
) -> None:
    receive(thread, "one")
    receive(thread, "two")  # two messages without a provider id
    insert_message(
        thread,
        direction="in",
        status="received",
        channel="sms",
        body="first delivery",
        provider_sid="SM123",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_message(
            thread,
            direction="in",
            status="received",
            channel="sms",
            body="Twilio retried",
            provider_sid="SM123",
        )
    assert Message.objects.filter(provider_sid="SM123").count() == 1


def test_a_client_message_cannot_have_a_staff_sender(thread: Thread, colleague: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_message(thread, direction="in", status="received", sender=colleague, body="spoofed")


def test_an_unknown_status_is_refused(thread: Thread) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_message(thread, direction="out", status="teleported", body="x")


def test_two_contacts_of_one_firm_cannot_share_a_phone_but_two_firms_can(
    contact: Contact, other_firm: Organization
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(organization=contact.organization, name="Twin", phone=contact.phone)
    Contact.objects.create(
        organization=other_firm, name="Same number elsewhere", phone=contact.phone
    )


def test_an_opt_out_records_when_it_happened(firm: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(organization=firm, name="No time", sms_opted_out=True)


def test_a_template_body_is_limited_like_a_message(firm: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageTemplate.objects.create(organization=firm, name="Too long", body="y" * 1601)


def test_deleting_a_contact_with_a_thread_is_refused(contact: Contact) -> None:
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        contact.delete()
    assert Thread.objects.filter(contact=contact).exists()


def test_leads_named_by_their_number_are_renamed_new_lead_by_the_migration(
    firm: Organization, make_contact: Any
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("messaging.migrations.0010_name_new_leads_by_their_number")
    by_staff = make_contact(firm, "+16505550199", kind="lead", phone="(650) 555-0199")
    by_text = make_contact(firm, "(650) 555-0198", kind="lead", phone="(650) 555-0198")
    named = make_contact(firm, "Harper Quinn", kind="lead", phone="(650) 555-0197")
    client = make_contact(firm, "+16505550196", phone="(650) 555-0196")
    migration.name_new_leads(apps, None)
    names = {c.pk: c.name for c in Contact.objects.all()}
    assert names[by_staff.pk] == "New lead (650) 555-0199"
    assert names[by_text.pk] == "New lead (650) 555-0198"
    assert names[named.pk] == "Harper Quinn"
    assert names[client.pk] == "+16505550196"  # a client's name is the firm's to choose


@pytest.mark.parametrize(
    ("stored", "plain"),
    [
        (
            "Twilio reported that the phone number is a landline (error 21635).",
            "The phone number is a landline.",
        ),
        (
            "Twilio reported this number is a landline (error 21614).",
            "The phone number is a landline.",
        ),
        (
            "The carrier reported that the phone number is unknown or no longer in service "
            "(error 30005).",
            "The carrier reported that the phone number is unknown or no longer in service.",
        ),
        ("It is a landline.", "It is a landline."),
    ],
)
def test_stored_not_textable_reasons_lose_twilios_code_in_the_migration(
    firm: Organization, stored: str, plain: str
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("messaging.migrations.0011_plain_not_textable_reasons")
    contact = Contact.objects.create(
        organization=firm,
        name="Pat",
        phone="+14155550100",
        phone_textable=False,
        phone_not_textable_reason=stored,
    )
    migration.strip_codes(apps, None)
    contact.refresh_from_db()
    assert contact.phone_not_textable_reason == plain
