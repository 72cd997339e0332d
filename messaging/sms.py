"""Sending SMS/MMS: one small interface, a backend per SMS_BACKEND.

`console` prints each message (the embedded default), `memory` keeps them in a list for tests.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    from_: str
    body: str
    media_urls: list[str] = field(default_factory=list)
    status_callback: str = ""


@dataclass(frozen=True)
class SmsReceipt:
    sid: str
    status: str


class SmsBackend(Protocol):
    def send(self, sms: OutgoingSms) -> SmsReceipt: ...


class ConsoleBackend:
    """Prints each SMS; the message counts as sent."""

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        lines = [f"SMS from {sms.from_} to {sms.to}", sms.body]
        lines += [f"  media: {url}" for url in sms.media_urls]
        sys.stdout.write("\n".join(lines) + "\n" + "-" * 72 + "\n")
        sys.stdout.flush()
        return SmsReceipt(sid=f"CONSOLE{uuid.uuid4().hex[:26]}", status="sent")


class MemoryBackend:
    """Keeps every SMS in `outbox`, for tests."""

    outbox: list[OutgoingSms] = []  # shared on purpose, like Django's mail.outbox

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        MemoryBackend.outbox.append(sms)
        return SmsReceipt(sid=f"SM{uuid.uuid4().hex}", status="queued")


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name == "memory":
        return MemoryBackend()
    if name == "console":
        return ConsoleBackend()
    raise RuntimeError(f"SMS_BACKEND={name} is not available in this version.")
