"""The line type before a number's first text (issue 14, point 3): Twilio Lookup v2 through the
official SDK, against the fake Twilio on 127.0.0.1 (which answers Lookup's response shape)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact
from tests.conftest import contact_form, thread_url
from tests.fakes.twilio import FakeTwilio

LANDLINE = "+15005550010"  # the fake's landline, as in Twilio's test numbers


def client_at(firm: Organization, phone: str) -> Contact:
    """A contact whose number came in a text or a bulk load: never looked up yet."""
    return actions.create_contact(
        organization=firm, name="Maria Lopez", phone=phone, email="maria@example.com"
    )


def test_a_landline_goes_to_email_with_the_reason_before_any_text_fails(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    contact = client_at(firm, LANDLINE)
    message = send(contact.thread)
    assert fake_twilio.lookups == [LANDLINE] and fake_twilio.messages == []  # never texted
    assert message.channel == "email" and message.status == "sent"
    reason = "Twilio Lookup says (500) 555-0010 is a landline, which cannot receive text messages"
    assert message.error_reason == f"Sent by email because {reason}."
    assert mail.outbox[0].to == ["maria@example.com"]
    contact.refresh_from_db()
    assert contact.line_type == "landline" and contact.line_type_number == LANDLINE
    assert contact.line_type_checked_at is not None and not contact.phone_textable
    send(contact.thread, "Second")  # known now: no second question
    assert fake_twilio.lookups == [LANDLINE]


def test_a_mobile_is_looked_up_once_then_texted_and_the_answer_is_kept_with_its_date(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    contact = client_at(firm, "+14155550199")
    send(contact.thread)
    send(contact.thread, "And again")
    assert fake_twilio.lookups == ["+14155550199"]
    assert len(fake_twilio.messages) == 2
    contact.refresh_from_db()
    assert (contact.line_type, contact.line_carrier) == ("mobile", "Fake Wireless")
    assert contact.route.detail.startswith("Mobile (Fake Wireless), checked with Twilio Lookup on")


def test_a_lookup_outage_never_blocks_the_text_and_the_check_is_asked_again(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    fake_twilio.lookup_failures = 1
    contact = client_at(firm, "+14155550177")
    message = send(contact.thread)
    assert message.channel == "sms" and len(fake_twilio.messages) == 1  # sent regardless
    # The retry (queued at once in these in-process tests) asked again and kept the answer.
    assert fake_twilio.lookups == ["+14155550177", "+14155550177"]
    contact.refresh_from_db()
    assert contact.line_type == "mobile"


def test_lookup_down_for_good_still_texts_and_gives_up_quietly(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    fake_twilio.lookup_failures = 100
    contact = client_at(firm, "+14155550166")
    assert send(contact.thread).channel == "sms"
    contact.refresh_from_db()
    assert contact.line_type == "" and contact.phone_textable  # unknown: asked at the next text


def test_a_canadian_number_without_approval_is_unknown_and_texted(
    fake_twilio: FakeTwilio, firm: Organization, send: Any
) -> None:
    contact = client_at(firm, "+14165550123")
    assert send(contact.thread).channel == "sms"
    contact.refresh_from_db()
    assert contact.line_type == "unknown" and contact.phone_textable


def test_a_changed_or_old_answer_is_asked_again(
    fake_twilio: FakeTwilio,
    firm: Organization,
    owner: User,
    send: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contact = client_at(firm, "+14155550155")
    send(contact.thread)
    Contact.objects.filter(pk=contact.pk).update(
        line_type_checked_at=timezone.now() - datetime.timedelta(days=400)
    )
    send(contact.thread, "A year later")
    assert fake_twilio.lookups == ["+14155550155"] * 2
    # Staff change the number: it is looked up at once, so the thread says what it is.
    client.force_login(owner)
    contact.refresh_from_db()
    fake_twilio.line_types["+14155550144"] = "landline"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/contacts/{contact.pk}/edit/", contact_form(contact, phone="(415) 555-0144")
        )
    assert response.status_code == 302
    assert fake_twilio.lookups[-1] == "+14155550144"
    html = client.get(thread_url(contact.thread)).text
    assert "Email only — maria@example.com" in html
    assert "Twilio Lookup says (415) 555-0144 is a landline" in html


def test_a_contact_staff_add_is_looked_up_before_the_first_message(
    fake_twilio: FakeTwilio,
    firm: Organization,
    owner: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_twilio.line_types["+14155550133"] = "landline"
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/conversations/new/", {"phone": "(415) 555-0133"})
    response = client.get(response["Location"])
    contact = Contact.objects.get(phone="+14155550133")
    assert fake_twilio.lookups == ["+14155550133"]
    assert not contact.phone_textable and contact.line_type == "landline"
    # The new thread already says no text will reach them, and why.
    assert "Twilio Lookup says (415) 555-0133 is a landline" in response.text


def test_no_lookup_without_twilio_or_when_turned_off(
    fake_twilio: FakeTwilio, firm: Organization, send: Any, settings: Any
) -> None:
    settings.TWILIO_LOOKUP = False
    send(client_at(firm, "+14155550122").thread)
    settings.TWILIO_LOOKUP = True
    settings.SMS_BACKEND = "memory"
    send(client_at(firm, "+14155550121").thread)
    assert fake_twilio.lookups == []


def test_lookup_requests_go_to_the_lookup_base_url(
    fake_twilio: FakeTwilio, firm: Organization, send: Any, settings: Any
) -> None:
    from tests.fakes.twilio import FakeTwilioServer

    with FakeTwilioServer() as lookup_host:
        settings.TWILIO_LOOKUP_BASE_URL = lookup_host.base_url
        lookup_host.account_sid, lookup_host.auth_token = (
            fake_twilio.account_sid,
            fake_twilio.auth_token,
        )
        send(client_at(firm, "+14155550111").thread)
        assert lookup_host.lookups == ["+14155550111"] and lookup_host.messages == []
    assert fake_twilio.lookups == [] and len(fake_twilio.messages) == 1
