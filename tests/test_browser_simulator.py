"""In Chromium, in development: answer as a client on the phone simulator; the text arrives in the
staff thread through the real, signed webhook over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hona.models import User
from messaging import actions
from messaging.models import Message, Thread
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_answering_as_the_client_goes_through_the_signed_webhook(
    page: Page, live_server: Any, settings: Any, owner: User, thread: Thread
) -> None:
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TWILIO_AUTH_TOKEN = "simulator-test-token"
    actions.record_message(
        thread=thread, direction="out", body="Can you come in on Friday?", channel="sms",
        status="delivered", sender=owner,
    )  # fmt: skip
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username or email").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Phone simulator").click()
    page.get_by_role("link", name="Jane Doe").click()
    expect(page.get_by_text("Can you come in on Friday?")).to_be_visible()
    page.get_by_label("Text from Jane Doe").fill("Yes, Friday at 10 works.")
    page.get_by_role("button", name="Send as Jane Doe").click()
    expect(page.get_by_text("Jane Doe texted the firm.")).to_be_visible()
    received = Message.objects.get(thread=thread, direction="in")
    assert received.body == "Yes, Friday at 10 works." and received.provider_sid.startswith("SMsim")


def test_the_simulator_does_not_exist_outside_development(
    client: Any, owner: User, settings: Any
) -> None:
    settings.DEBUG = False
    client.force_login(owner)
    assert client.get("/dev/phone/").status_code == 404
    assert client.post("/dev/phone/reply/", {"contact": 1, "body": "x"}).status_code == 404
