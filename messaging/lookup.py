"""A number's line type before its first text: Twilio Lookup v2's `line_type_intelligence`.

`phonenumbers` calls every US number "fixed line or mobile", so only Lookup tells a landline
from a mobile before a text fails (../shared/reference/compliance-and-lookup.md). The request is
`GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence` on Twilio's Lookup host, through
the official SDK (TWILIO_LOOKUP_BASE_URL moves it, as TWILIO_API_BASE_URL moves Messaging).

It is paid, so the answer is kept on the contact with its date (messaging.actions.contacts) and
asked again only for a changed number or an old answer. Lookup never blocks a text: when it
cannot answer, the text goes and the question is asked again later (messaging.tasks).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from hona.phones import format_phone

FIELDS = "line_type_intelligence"

# Lookup's `type` values, in the words staff read.
LABELS = {
    "mobile": "Mobile",
    "landline": "Landline",
    "fixedVoip": "Fixed VoIP",
    "nonFixedVoip": "Non-fixed VoIP",
    "personal": "Personal number",
    "tollFree": "Toll-free",
    "premium": "Premium-rate",
    "sharedCost": "Shared-cost",
    "uan": "Universal access number",
    "voicemail": "Voicemail-only",
    "pager": "Pager",
    "unknown": "Unknown line type",
}

# The types no text can reach, with the words that finish "… is <this>".
NOT_TEXTABLE = {
    "landline": "a landline",
    "pager": "a pager",
    "voicemail": "a voicemail-only number",
    "premium": "a premium-rate number",
    "sharedCost": "a shared-cost number",
    "uan": "a universal access number",
}


@dataclass(frozen=True)
class LineType:
    """What Lookup said of a number: its type (one of LABELS) and carrier."""

    type: str
    carrier: str = ""

    @property
    def textable(self) -> bool:
        return self.type not in NOT_TEXTABLE


class LookupUnavailable(Exception):
    """Lookup could not answer now (outage, rate limit, network): send anyway, ask later."""


def enabled() -> bool:
    """Whether numbers are looked up: only with Twilio itself as the SMS backend."""
    return settings.SMS_BACKEND == "twilio" and settings.TWILIO_LOOKUP


def line_type_of(number: str) -> LineType:
    """Ask Lookup v2 for the number's line type. Raises LookupUnavailable when it cannot say.

    A number Lookup answers for without a type (an `error_code` such as 60601, Canadian numbers
    without Twilio's approval) is "unknown": texted as before, never refused on a guess."""
    from twilio.base.exceptions import TwilioRestException

    from messaging.sms import twilio_client

    try:
        found = twilio_client().lookups.v2.phone_numbers(number).fetch(fields=FIELDS)
    except TwilioRestException as error:
        raise LookupUnavailable(f"Lookup answered {error.status} ({error.code}).") from None
    except requests.RequestException as error:
        raise LookupUnavailable(f"Could not reach Lookup: {type(error).__name__}") from None
    info = found.line_type_intelligence
    if not isinstance(info, dict) or info.get("error_code") or info.get("type") not in LABELS:
        return LineType("unknown")
    return LineType(str(info["type"]), str(info.get("carrier_name") or "")[:100])


def not_textable_reason(number: str, line: LineType) -> str:
    """The sentence kept on the contact, and shown on the thread, for a number no text reaches."""
    return (
        f"Twilio Lookup says {format_phone(number)} is {NOT_TEXTABLE[line.type]}, which cannot "
        "receive text messages."
    )
