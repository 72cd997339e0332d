"""What Twilio's codes and statuses mean for a message."""

from __future__ import annotations

from messaging.models import Message

# Twilio's refusals at send time that say the number cannot take texts.
NOT_TEXTABLE_CODES = frozenset({"21211", "21612", "21614", "21635"})
OPTED_OUT_CODE = "21610"
SMS_REASONS = {
    "21211": "the phone number is not valid",
    "21612": "the phone number cannot be reached by SMS",
    "21614": "the phone number is not a mobile number (it may be a landline)",
    "21635": "the phone number is a landline",
    "21610": "the client opted out of texts (replied STOP)",
    "30003": "the client's phone was unreachable (switched off or out of signal)",
    "30004": "the client's carrier or phone blocked the message",
    "30005": "the phone number is unknown or no longer in service",
    "30006": "the number is a landline or its carrier cannot take texts",
    "30007": "the carrier filtered the message",
    "30008": "the carrier reported an unknown error",
    "30032": "the firm's toll-free number is not verified for texting yet",
    "30034": "the firm's number is not registered for texting",
    "30036": "the message waited too long in the carrier's queue",
    "11751": "the files are larger than MMS allows (5 MB)",
    "63034": "the files are larger than MMS allows (5 MB)",
}


def sms_reason(code: str, fallback: str = "the SMS provider refused the text") -> str:
    """Why, in plain words (a clause: "… because <reason>"). Twilio's code is shown apart,
    as a detail under these words, never inside them."""
    return SMS_REASONS.get(code) or fallback


def as_sentence(clause: str) -> str:
    """ "the phone number is a landline" → "The phone number is a landline." """
    clause = clause.strip().rstrip(".")
    return clause[:1].upper() + clause[1:] + "." if clause else ""


RETRY_ONCE_CODES = frozenset({"30003"})  # the handset was unreachable: worth one more try
# Carriers' answers after the hand-over that say the number cannot take texts.
NOT_TEXTABLE_ON_THE_WAY = frozenset({"30005", "30006"})
STATUS_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENDING: 1,
    Message.Status.SENT: 2,
    Message.Status.DELIVERED: 3,
    Message.Status.UNDELIVERED: 3,
    Message.Status.FAILED: 3,
}
TWILIO_STATUS = {
    "accepted": Message.Status.SENDING,
    "scheduled": Message.Status.SENDING,
    "queued": Message.Status.SENDING,
    "sending": Message.Status.SENDING,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.FAILED,
    "canceled": Message.Status.FAILED,
}
