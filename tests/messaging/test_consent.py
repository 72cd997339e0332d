"""Consent to texts (issue 14, point 4): opted in with how and when, opted out with when, or
unknown; shown on the thread, kept in a history, and required before a new contact's first
text when the firm says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import ConsentEvent, Contact, Message
from tests.conftest import thread_url
from tests.fakes.twilio import FakeTwilio
from tests.messaging.conftest import INBOUND, inbound

HTMX = {"HX-Request": "true"}


@pytest.fixture
def strict_firm(firm: Organization) -> Organization:
    firm.require_sms_consent = True
    firm.save(update_fields=["require_sms_consent"])
    return firm


def header(client: Client, contact: Contact) -> str:
    return client.get(thread_url(contact.thread)).text


def test_a_contact_who_texts_first_has_agreed_and_the_thread_says_how_and_when(
    post: Any, firm: Organization, client: Client, owner: User
) -> None:
    post(INBOUND, inbound(firm, "Hi, I need help with my lease", From="+14155550188"))
    contact = Contact.objects.get(phone="+14155550188")
    assert contact.consent_source == "texted_first" and contact.consent_given_at is not None
    [event] = ConsentEvent.objects.all()
    assert event.kind == "consented" and event.source == "texted the firm first"
    client.force_login(owner)
    today = f"{timezone.localtime():%b %-d, %Y}"
    assert f"<strong>Agreed to texts</strong> · Texted the firm first on {today}." in header(
        client, contact
    )


def test_a_stop_shows_opted_out_and_a_later_text_is_not_consent(
    post: Any, firm: Organization, contact: Contact, client: Client, owner: User
) -> None:
    post(INBOUND, inbound(firm, "STOP", sid="SM" + "b" * 32))
    contact.refresh_from_db()
    assert contact.sms_opted_out and contact.consent_given_at is None
    client.force_login(owner)
    assert "<strong>Opted out of texts</strong> · Replied STOP on" in header(client, contact)


def test_staff_record_consent_with_a_note_kept_in_the_history(
    client: Client, owner: User, contact: Contact
) -> None:
    client.force_login(owner)
    assert "<strong>Consent to texts not recorded</strong>" in header(client, contact)
    response = client.post(
        thread_url(contact.thread, "thread-consent"),
        {"note": "Agreed on the phone when we opened the matter"},
        headers=HTMX,
    )
    assert "<strong>Agreed to texts</strong> · Recorded by staff on" in response.text
    event = ConsentEvent.objects.get()
    assert event.recorded_by == owner and event.note.startswith("Agreed on the phone")
    history = client.get(f"/contacts/{contact.pk}/edit/").text
    assert f"Agreed to texts (recorded by staff), by {owner.name}" in history
    assert "“Agreed on the phone when we opened the matter”" in history


def test_consent_needs_a_note_and_never_overrides_a_stop(
    client: Client, owner: User, contact: Contact
) -> None:
    with pytest.raises(ValidationError, match="Say how the client agreed"):
        actions.record_consent(contact=contact, user=owner, note="  ")
    actions.set_sms_opt_out(contact=contact, opted_out=True, keyword="STOP", source="inbound SMS")
    with pytest.raises(ValidationError, match="Only their own START text"):
        actions.record_consent(contact=contact, user=owner, note="said yes")
    contact.refresh_from_db()
    assert contact.consent_given_at is None
    assert not ConsentEvent.objects.filter(kind="consented").exists()


def test_another_firms_contact_cannot_be_given_consent(
    client: Client, outsider: User, contact: Contact
) -> None:
    client.force_login(outsider)
    response = client.post(thread_url(contact.thread, "thread-consent"), {"note": "x"})
    assert response.status_code == 404
    assert not ConsentEvent.objects.exists()


def test_the_firms_rule_sends_a_new_contacts_message_by_email_until_they_agree(
    strict_firm: Organization,
    contact: Contact,
    owner: User,
    send: Any,
    memory_sms: list[Any],
    client: Client,
) -> None:
    client.force_login(owner)
    assert "Email until they agree to texts — jane@example.com" in header(client, contact)
    message = send(contact.thread)
    assert memory_sms == [] and message.channel == "email"
    assert message.error_reason == (
        "Sent by email because Jane Doe has not agreed to texts yet, and Demo Law asks for "
        "consent before the first text."
    )
    assert mail.outbox[0].to == ["jane@example.com"]
    actions.record_consent(contact=contact, user=owner, note="Signed the engagement letter")
    assert send(contact.thread, "Now by text").channel == "sms"
    assert len(memory_sms) == 1


def test_a_contact_the_firm_texted_before_the_rule_is_still_texted(
    strict_firm: Organization, contact: Contact, send: Any, memory_sms: list[Any]
) -> None:
    Contact.objects.filter(pk=contact.pk).update(first_texted_at=timezone.now())
    contact.refresh_from_db()
    assert send(contact.thread).channel == "sms"


def test_a_consent_request_goes_by_text_and_a_yes_reply_records_consent(
    strict_firm: Organization,
    contact: Contact,
    owner: User,
    client: Client,
    memory_sms: list[Any],
    post: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(thread_url(contact.thread, "thread-consent-request"), headers=HTMX)
    assert response.status_code == 200
    [sms] = memory_sms
    assert sms.to == contact.phone
    assert sms.body == (
        "Demo Law: may we text you about your matter? Reply YES to agree, or STOP to opt out. "
        "Msg & data rates may apply."
    )
    request = Message.objects.get(kind="consent_request")
    assert request.sender is None and request.channel == "sms"
    contact.refresh_from_db()
    assert contact.consent_requested_at is not None and contact.consent_given_at is None
    assert "<strong>Consent not given yet</strong> · Asked to reply YES on" in header(
        client, contact
    )
    post(INBOUND, inbound(strict_firm, "Yes"))
    contact.refresh_from_db()
    assert contact.consent_source == "replied_yes"
    kinds = list(ConsentEvent.objects.order_by("created_at").values_list("kind", "recorded_by"))
    assert kinds == [("requested", owner.pk), ("consented", None)]


def test_a_reply_other_than_yes_to_a_request_is_not_consent(
    strict_firm: Organization,
    contact: Contact,
    owner: User,
    memory_sms: list[Any],
    post: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_consent(contact=contact, user=owner)
    post(INBOUND, inbound(strict_firm, "Who is this?"))
    contact.refresh_from_db()
    assert contact.consent_given_at is None  # the firm texted first: their reply is no yes


def test_a_consent_request_is_refused_when_no_text_can_reach_them(
    owner: User, firm: Organization, make_contact: Any
) -> None:
    landline = make_contact(firm, "Land Line", phone="(415) 555-0111")
    actions.mark_phone_not_textable(contact=landline, reason="This is a landline.")
    with pytest.raises(ValidationError, match="A consent request goes by text, and this is a"):
        actions.request_consent(contact=landline, user=owner)
    assert not Message.objects.exists()


def test_the_thread_header_with_consent_costs_no_query_more(
    client: Client,
    owner: User,
    strict_firm: Organization,
    contact: Contact,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(owner)
    client.get(thread_url(contact.thread))
    with django_assert_max_num_queries(6):
        html = client.get(thread_url(contact.thread)).text
    assert "Email until they agree to texts" in html


def test_lookup_and_consent_together_a_landline_is_never_asked(
    fake_twilio: FakeTwilio,
    strict_firm: Organization,
    owner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        contact = actions.create_contact(
            organization=strict_firm, name="Pat", phone="+15005550010", created_by=owner
        )
    contact.refresh_from_db()
    with pytest.raises(ValidationError, match="landline"):
        actions.request_consent(contact=contact, user=owner)
