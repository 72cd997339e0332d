"""How a message reaches a contact, and why not by text: the one place that decides.

`route_for` tells staff, on the thread, how their messages to this contact will travel;
`why_not_sms` tells delivery whether one message, with its files, can go by SMS/MMS and, if not,
why (a code and the words). Both start from the same facts about the contact.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from messaging.failures import Failure
from messaging.lookup import LABELS

if TYPE_CHECKING:  # the models use this module; it only reads their attributes
    from messaging.models import Attachment, Contact

MMS_MAX_FILES = 10
MMS_MAX_BYTES = 5 * 1024 * 1024
MMS_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/gif",
        "image/png",
        "image/bmp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "application/pdf",
        "text/vcard",
        "text/x-vcard",
        "text/csv",
        "text/rtf",
        "text/calendar",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/amr",
        "video/mp4",
        "video/mpeg",
        "video/quicktime",
        "video/3gpp",
    }
)


@dataclass(frozen=True)
class NotBySms:
    """Why a message cannot go by text: a code, and the words ("… because <reason>")."""

    code: Failure
    reason: str


@dataclass(frozen=True)
class Route:
    """How a message to a contact will travel, and why, in the words staff read."""

    channel: str  # "sms", "email" or "none"
    summary: str
    detail: str = ""


@dataclass(frozen=True)
class Consent:
    """The contact's consent to texts from the firm's number, as the thread header shows it."""

    state: str  # "opted_in", "opted_out" or "unknown"
    summary: str
    detail: str = ""


def _day(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%b %-d, %Y}"


def consent_of(contact: Contact) -> Consent:
    """Opted in (how and when), opted out (when), or unknown (and whether it was asked)."""
    if contact.sms_opted_out:
        when = f" on {_day(contact.sms_opted_out_at)}" if contact.sms_opted_out_at else ""
        return Consent("opted_out", "Opted out of texts", f"Replied STOP{when}.")
    if contact.consent_given_at is not None:
        how = contact.get_consent_source_display()
        return Consent(
            "opted_in",
            "Agreed to texts",
            f"{how[:1].upper()}{how[1:]} on {_day(contact.consent_given_at)}.",
        )
    if contact.consent_requested_at is not None:
        return Consent(
            "unknown",
            "Consent not given yet",
            f"Asked to reply YES on {_day(contact.consent_requested_at)}; no answer yet.",
        )
    return Consent("unknown", "Consent to texts not recorded")


def consent_missing(contact: Contact) -> bool:
    """The firm asks for consent before a new contact's first text, and this one has none."""
    return (
        contact.organization.require_sms_consent
        and contact.consent_given_at is None
        and contact.first_texted_at is None
    )


def contact_not_textable(contact: Contact, *, asking_consent: bool = False) -> NotBySms | None:
    """Why no text can reach this contact at all; None when one can. `asking_consent`: the
    firm's consent request itself, the one text a contact without consent may get."""
    if not contact.phone and contact.sender_id:
        # A short code or sender ID only sends; it is never handed to Twilio as a recipient.
        return NotBySms(Failure.SENDER_ID, f"{contact.sender_label} cannot receive texts")
    if not contact.phone:
        return NotBySms(Failure.NO_PHONE, f"{contact.name} has no phone number")
    if contact.sms_opted_out:
        return NotBySms(Failure.OPTED_OUT, f"{contact.name} opted out of texts (replied STOP)")
    if not contact.phone_textable:
        return NotBySms(
            Failure.NOT_TEXTABLE,
            _clause(contact.phone_not_textable_reason) or "the phone number cannot receive texts",
        )
    if not asking_consent and consent_missing(contact):
        return NotBySms(
            Failure.NO_CONSENT,
            f"{contact.name} has not agreed to texts yet, and {contact.organization.name} asks "
            "for consent before the first text",
        )
    return None


def _clause(sentence: str) -> str:
    """The contact's stored reason is a sentence ("This is a landline, which cannot receive text
    messages."); as the end of "… because <reason>." it loses its full stop and, when it starts
    with a common word, its capital."""
    clause = sentence.strip().rstrip(".").rstrip()
    first = clause.split(" ", 1)[0]
    if first in {"This", "The", "It", "That", "Their", "Its"}:
        clause = clause[:1].lower() + clause[1:]
    return clause


def why_not_sms(
    contact: Contact, attachments: Sequence[Attachment], *, asking_consent: bool = False
) -> NotBySms | None:
    """Why this message (with these files) cannot go by SMS/MMS; None when it can."""
    problem = contact_not_textable(contact, asking_consent=asking_consent)
    if problem is not None:
        return problem
    if len(attachments) > MMS_MAX_FILES:
        return NotBySms(Failure.MMS_FILE_COUNT, f"MMS carries at most {MMS_MAX_FILES} files")
    if sum(a.size for a in attachments) > MMS_MAX_BYTES:
        return NotBySms(
            Failure.MMS_TOO_LARGE, "the files are larger than MMS allows (5 MB in total)"
        )
    unsupported = [a.filename for a in attachments if a.content_type not in MMS_TYPES]
    if unsupported:
        return NotBySms(Failure.MMS_FILE_TYPE, f"MMS cannot carry {', '.join(unsupported)}")
    return None


def reply_refused(contact: Contact) -> NotBySms | None:
    """Why a staff reply is refused before it is stored: a short code or sender ID with no email
    can be reached no way at all (anyone else is tried, and told about if it fails)."""
    problem = contact_not_textable(contact)
    if problem is None or problem.code != Failure.SENDER_ID or contact.email:
        return None
    return NotBySms(
        Failure.SENDER_ID,
        f"{contact.sender_label} cannot receive texts, and {contact.name} has no email address. "
        "Add an email address to reply by email; this message was not sent.",
    )


def _line_type(contact: Contact) -> str:
    """What Twilio Lookup said of the number, when it was asked about this one."""
    if not contact.line_type or contact.line_type_number != contact.phone:
        return ""
    words = LABELS.get(contact.line_type, contact.line_type)
    if contact.line_carrier:
        words += f" ({contact.line_carrier})"
    if contact.line_type_checked_at:
        checked = timezone.localtime(contact.line_type_checked_at)
        words += f", checked with Twilio Lookup on {checked:%b %-d, %Y}"
    return words + "."


def route_for(contact: Contact) -> Route:
    """The route line of the thread header: how messages go, and why not by text."""
    problem = contact_not_textable(contact)
    email = f"by email to {contact.email}" if contact.email else ""
    if problem is None:
        return Route("sms", f"By SMS to {contact.phone_display}", _line_type(contact))
    if problem.code == Failure.OPTED_OUT:
        why = f"{contact.name} opted out of SMS (replied STOP)"
        if contact.sms_opted_out_at:
            why += f" on {timezone.localtime(contact.sms_opted_out_at):%b %-d, %Y}"
        if email:
            return Route("email", f"Opted out of SMS — messages go {email}", why + ".")
        return Route("none", "Opted out of SMS and no email on file", why + ".")
    if problem.code == Failure.SENDER_ID:
        why = f"{contact.sender_label} only sends: it cannot receive texts."
        if email:
            return Route("email", f"Email only — {contact.email}", why)
        return Route("none", "No way to reach them", why + " Add an email address to reply.")
    if problem.code == Failure.NO_CONSENT:
        why = (
            f"{contact.name} has not agreed to texts yet; {contact.organization.name} asks for "
            "consent before the first text. Record their consent, or ask for it from the ⋯ menu."
        )
        if email:
            return Route("email", f"Email until they agree to texts — {contact.email}", why)
        return Route("none", "No way to reach them until they agree to texts", why)
    if problem.code == Failure.NOT_TEXTABLE:
        why = contact.phone_not_textable_reason or f"{contact.phone_display} cannot receive texts."
        if email:
            return Route("email", f"Email only — {contact.email}", why)
        return Route(
            "none", "No way to reach them", why + " Add an email address or a mobile number."
        )
    if email:
        return Route("email", f"Email only — {contact.email}", "No phone number on file.")
    return Route("none", "No way to reach them", "Add a mobile number or an email address.")
