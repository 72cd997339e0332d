"""Phone numbers: parse what staff type, store E.164, tell whether it can receive SMS."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError

DEFAULT_REGION = "US"

_NOT_TEXTABLE_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "a landline",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    phonenumbers.PhoneNumberType.SHARED_COST: "a shared-cost number",
    phonenumbers.PhoneNumberType.VOIP: "a VoIP number that may not receive texts",
    phonenumbers.PhoneNumberType.PAGER: "a pager",
    phonenumbers.PhoneNumberType.UAN: "a company switchboard number",
    phonenumbers.PhoneNumberType.VOICEMAIL: "a voicemail number",
}


@dataclass(frozen=True)
class ParsedPhone:
    e164: str
    textable: bool
    reason: str  # why it cannot receive SMS; empty when it can


def parse_phone(raw: str, *, region: str = DEFAULT_REGION) -> ParsedPhone:
    """Parse a number typed in any common format; raise ValidationError with a clear message."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number.", code="required")
    if len(text) > 40:
        raise ValidationError("That is too long to be a phone number.", code="invalid")
    return _parse(text, region)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, region: str) -> ParsedPhone:
    """The same text always parses the same (the answer is frozen): every inbound text parses
    the firm's number and the sender's, a tenth of the webhook's time before this cache."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Enter a valid phone number, such as (555) 201-2345 or +1 555 201 2345.",
            code="invalid",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "That is not a valid phone number: check the area code and the number of digits.",
            code="invalid",
        )
    number_type = phonenumbers.number_type(number)
    reason = _NOT_TEXTABLE_TYPES.get(number_type, "")
    if reason:
        reason = f"This is {reason}, which cannot receive text messages."
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ParsedPhone(e164=e164, textable=not reason, reason=reason)


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    return parse_phone(raw, region=region).e164


def format_phone(e164: str) -> str:
    """Display form: national format at home, international abroad."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
