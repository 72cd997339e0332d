from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from hona.models import Organization, User
from messaging import actions
from messaging.models import Message, Thread


@pytest.fixture
def send(owner: User, django_capture_on_commit_callbacks: Any) -> Any:
    """Send as the firm admin and run what is enqueued on commit (Celery runs eagerly here):
    `send(thread, body="…", files=[…])`, the message as it stands after its delivery."""

    def send_message(
        thread: Thread, body: str = "Your hearing is on Tuesday.", **kw: Any
    ) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            message = actions.send_message(thread=thread, sender=owner, body=body, **kw)
        message.refresh_from_db()
        return message

    return send_message


INBOUND = "/webhooks/twilio/messages/"
STATUS = "/webhooks/twilio/status/"
PUBLIC = "http://127.0.0.1:8000"


@pytest.fixture
def twilio_token(settings: Any) -> str:
    settings.TWILIO_AUTH_TOKEN = "webhook-test-token"
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    return str(settings.TWILIO_AUTH_TOKEN)


@pytest.fixture
def post(
    client: Client, twilio_token: str, settings: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    """POST as Twilio does: form-encoded, signed over the public URL and every parameter."""

    def signed_post(path: str, params: dict[str, str], *, signature: str | None = None) -> Any:
        if signature is None:
            validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
            signature = validator.compute_signature(PUBLIC + path, params)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, params, headers={"X-Twilio-Signature": signature})

    return signed_post


def inbound(
    firm: Organization, body: str = "Hi there", sid: str = "SM" + "a" * 32, **extra: str
) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "1" * 32,
        "From": "+14155550134",
        "To": firm.sms_number,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
