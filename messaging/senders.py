"""Who an inbound text came from: a phone number, or a sender that is not one.

Twilio's `From` is usually an E.164 number, but short codes (`12345`), alphanumeric sender IDs
(`HonaAlerts`) and other addresses arrive too. Those are kept as given (made one safe line,
capped) in `Contact.sender_id`, never forced into the E.164 `phone`: they cannot receive texts.

A WhatsApp sender (`whatsapp:+14155550134`) is a phone number on another channel: it is read as
that number, so the person's texts and WhatsApp messages share one thread and replies go by SMS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from hona.phones import parse_phone

SENDER_ID_MAX_LENGTH = 64
SHORT_CODE = re.compile(r"[0-9]{3,8}")
# Carriers' rule for alphanumeric sender IDs: up to 11 letters, digits and spaces, one letter.
ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
NUMBER = re.compile(r"\+[0-9]{4,15}")  # shaped like E.164, but no number phonenumbers knows
PHONE_CHANNELS = ("whatsapp:",)


@dataclass(frozen=True)
class Sender:
    """Exactly one of the two is set (both empty: nobody was named)."""

    phone: str = ""  # E.164
    sender_id: str = ""


def clean_sender_id(raw: str) -> str:
    """One printable line: control and format characters (NUL too) dropped, spaces collapsed."""
    kept = "".join(ch for ch in raw if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    return " ".join(kept.split())[:SENDER_ID_MAX_LENGTH].strip()


def sender_of(raw: str) -> Sender:
    """Read Twilio's `From`: a phone number when it is one, otherwise a sender ID."""
    text = clean_sender_id(raw)
    if not text:
        return Sender()
    number = text
    for prefix in PHONE_CHANNELS:
        if number.lower().startswith(prefix):
            number = number[len(prefix) :]
    # Letters mean a sender ID, even one phonenumbers would read as a vanity number.
    if SHORT_CODE.fullmatch(number) or any(ch.isalpha() for ch in number):
        return Sender(sender_id=text)
    try:
        return Sender(phone=parse_phone(number).e164)
    except ValidationError:
        return Sender(sender_id=text)


def sender_label(sender_id: str) -> str:
    """How staff see the sender: "Short code 12345", "Sender ID HonaAlerts"."""
    if SHORT_CODE.fullmatch(sender_id):
        return f"Short code {sender_id}"
    if ALPHANUMERIC.fullmatch(sender_id):
        return f"Sender ID {sender_id}"
    if NUMBER.fullmatch(sender_id):
        return f"Number {sender_id}"
    return f"Sender {sender_id}"


def validate_sender_id(value: str) -> None:
    if value != clean_sender_id(value):
        raise ValidationError("A sender ID is one line of printable characters.", code="invalid")
