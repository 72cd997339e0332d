"""The words staff read about a message that went another way or nowhere: plain reasons first,
Twilio's code only as a small detail under them, and sentences that end once ("(error 21614).."
was shown before).

Every path is driven for real (the twilio SDK against the fake Twilio API, status callbacks,
the email fall-back) and the thread is rendered as staff see it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions, delivery
from messaging.models import Contact, Message, Thread
from messaging.reach import route_for
from notifications.models import Notification
from tests.fakes.twilio import FakeTwilio
from tests.messaging.test_delivery import contact_with

# Two marks in a row ("..", ". .", ".,", ",."), but not an ellipsis ("…" or "...").
DOUBLED = re.compile(r"(?<!\.)[.,;:!?]\s*[.,;:!?](?!\.)")
REFUSED = {  # the fake Twilio refuses these numbers with these codes
    "+15005550001": "21211",
    "+15005550002": "21612",
    "+15005550009": "21614",
    "+15005550010": "21635",
}


def shown(client: Client, thread: Thread) -> dict[str, list[str]]:
    """What the thread page says about delivery, as text: reasons, codes and the route line."""
    page = client.get(reverse("messaging:thread-detail", args=[thread.pk])).text

    def texts(pattern: str) -> list[str]:
        found = re.findall(pattern, page, re.S)
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in found]

    return {
        "reasons": texts(r'<p class="message-(?:error|note)[^"]*"[^>]*>(.*?)(?:<small|</p>)'),
        "codes": texts(r'<small class="message-error-code">(.*?)</small>'),
        "route": texts(r'<p class="thread-route[^"]*">(.*?)</p>'),
    }


def assert_reads_well(text: str) -> None:
    assert not DOUBLED.search(text), f"doubled punctuation in {text!r}"
    assert not re.search(r"\(error \d+\)|Twilio error|error \d{5}", text), text


@pytest.mark.parametrize("email", ["pat@example.com", ""])
def test_refusals_by_twilio_read_as_plain_reasons_with_the_code_apart(
    fake_twilio: FakeTwilio,
    firm: Organization,
    owner: User,
    client: Client,
    send: Any,
    settings: Any,
    email: str,
) -> None:
    settings.TWILIO_LOOKUP = False  # Twilio's own refusals (a landline found first: test_lookup)
    client.force_login(owner)
    for number, code in REFUSED.items():
        contact = contact_with(firm, number, email=email)
        first = send(contact.thread)  # refused by Twilio, then by email (or nowhere)
        second = send(contact.thread, "Again")  # known not textable: straight to email
        contact.refresh_from_db()
        assert first.error_code == code
        for words in (first.error_reason, second.error_reason, contact.phone_not_textable_reason):
            assert_reads_well(words)
        route = route_for(contact)
        assert_reads_well(f"{route.summary} {route.detail}")

        page = shown(client, contact.thread)
        assert len(page["reasons"]) == 2
        for reason in page["reasons"] + page["route"]:
            assert_reads_well(reason)
        # The code is a detail under the reason of the message Twilio refused.
        assert page["codes"] == [f"Twilio error {code}"]
    if not email:
        bodies = Notification.objects.values_list("body", flat=True)
        assert bodies.count() == len(REFUSED) * 2
        for body in bodies:
            assert_reads_well(body)


def test_carrier_failures_and_stored_reasons_read_as_plain_sentences(
    fake_twilio: FakeTwilio,
    firm: Organization,
    owner: User,
    client: Client,
    send: Any,
    settings: Any,
) -> None:
    settings.SMS_RETRY_DELAY_SECONDS = 0
    client.force_login(owner)
    for code in ("30005", "30006", "30007", "39999", ""):
        contact = contact_with(firm, f"+1415555{len(code) * 7 + int(code or 0) % 97:04d}")
        message = send(contact.thread)
        delivery.apply_status_callback(
            sid=message.provider_sid, status="undelivered", error_code=code
        )
        send(contact.thread, "Again")
        for words in Message.objects.filter(thread=contact.thread).values_list(
            "error_reason", flat=True
        ):
            assert_reads_well(words)
        page = shown(client, contact.thread)
        for reason in page["reasons"] + page["route"]:
            assert_reads_well(reason)
        assert page["codes"] == ([f"Twilio error {code}"] if code else [])

    # Reasons stored as sentences (a landline found when the number was saved, or older data)
    # end once inside "… because <reason>." too.
    for stored in (
        "This is a landline, which cannot receive text messages.",
        "The phone number is a landline.",
    ):
        contact = Contact.objects.create(
            organization=firm,
            name="Lee Landline",
            phone=f"+1415555{len(stored):04d}",
            phone_textable=False,
            phone_not_textable_reason=stored,
            email="",
        )
        actions.ensure_thread(contact=contact)
        message = send(contact.thread)
        assert message.status == Message.Status.FAILED
        assert_reads_well(message.error_reason)
        assert "because this is a landline" in message.error_reason or (
            "because the phone number is a landline" in message.error_reason
        )
        for reason in shown(client, contact.thread)["reasons"]:
            assert_reads_well(reason)
