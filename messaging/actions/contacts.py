"""Writes for contacts: created, edited, their reachability and consent, their links."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hona.models import Organization, User
from hona.phones import parse_phone
from hona.queueing import enqueue_on_commit
from hona.text import one_line
from messaging import lookup, tasks
from messaging.actions.messages import record_message
from messaging.actions.quota import check_staff_quota
from messaging.actions.threads import _check_same_firm, ensure_thread
from messaging.models import (
    ConsentEvent,
    Contact,
    Message,
    Thread,
    new_lead_name,
)
from messaging.reach import contact_not_textable
from projects.models import Project


@transaction.atomic
def set_sms_opt_out(*, contact: Contact, opted_out: bool, keyword: str, source: str) -> None:
    """Record a STOP or START (kept in the history) and mirror it on the contact."""
    now = timezone.now()
    ConsentEvent.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        kind=ConsentEvent.Kind.OPTED_OUT if opted_out else ConsentEvent.Kind.OPTED_IN,
        keyword=keyword[:20],
        source=source[:40],
        created_at=now,
    )
    contact.sms_opted_out = opted_out
    contact.sms_opted_out_at = now if opted_out else None
    contact.save(update_fields=["sms_opted_out", "sms_opted_out_at", "updated_at"])


def apply_phone(contact: Contact, raw_phone: str) -> None:
    """Normalise a typed phone number onto the contact (E.164 + whether it can take texts)."""
    if not raw_phone.strip():
        contact.phone = ""
        contact.phone_textable = False
        contact.phone_not_textable_reason = ""
        return
    parsed = parse_phone(raw_phone)
    contact.phone = parsed.e164
    contact.phone_textable = parsed.textable
    contact.phone_not_textable_reason = parsed.reason


@transaction.atomic
def create_contact(
    *,
    organization: Organization,
    name: str,
    kind: str = Contact.Kind.CLIENT,
    phone: str = "",
    email: str = "",
    notification_preference: str = Contact.NotificationPreference.SMS,
    projects: Sequence[Project] = (),
    created_by: User | None = None,
    sender_id: str = "",
) -> Contact:
    """Create a contact and its thread. Raises ValidationError for a bad phone or a duplicate.

    `sender_id` is who texted us when it was not a phone number (a short code, a sender ID):
    kept as given, and never textable.
    """
    contact = Contact(
        organization=organization,
        name=name.strip(),
        kind=kind,
        email=email.strip(),
        notification_preference=notification_preference,
        created_by=created_by,
        sender_id=sender_id,
    )
    apply_phone(contact, phone)
    if sender_id and not contact.phone:
        contact.phone_not_textable_reason = f"{contact.sender_label} cannot receive texts."
    contact.full_clean()
    contact.save()
    if created_by is not None:  # staff typed the number (a texter's own number texts back)
        check_line_type_soon(contact)
    if projects:
        _check_same_firm(organization, projects)
        contact.projects.add(*projects)
    ensure_thread(contact=contact)
    return contact


CONSENT_NOTE_MAX = 500


def _consented(contact: Contact, *, source: str, moment: datetime.datetime) -> None:
    contact.consent_given_at = moment
    contact.consent_source = source
    contact.save(update_fields=["consent_given_at", "consent_source", "updated_at"])


@transaction.atomic
def record_consent(*, contact: Contact, user: User, note: str) -> ConsentEvent:
    """Staff record that the client agreed to texts (on the phone, in a signed letter…): kept
    with who recorded it and their note, which says how."""
    if user.organization_id != contact.organization_id:
        raise ValidationError("That contact belongs to another firm.")
    note = note.strip()
    if not note:
        raise ValidationError("Say how the client agreed (for example: “on the phone today”).")
    if len(note) > CONSENT_NOTE_MAX:
        raise ValidationError(f"Keep the note under {CONSENT_NOTE_MAX} characters.")
    if contact.sms_opted_out:
        raise ValidationError(
            f"{contact.name} opted out by replying STOP. Only their own START text opts them "
            "back in."
        )
    now = timezone.now()
    event = ConsentEvent.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        kind=ConsentEvent.Kind.CONSENTED,
        source="recorded by staff",
        note=note,
        recorded_by=user,
        created_at=now,
    )
    _consented(contact, source="staff", moment=now)
    return event


def client_consented(*, contact: Contact, source: str, keyword: str = "") -> None:
    """The client's own text said yes: they texted the firm first, or replied YES to its
    request. Called in the inbound transaction, with the contact's thread locked."""
    now = timezone.now()
    ConsentEvent.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        kind=ConsentEvent.Kind.CONSENTED,
        keyword=keyword[:20],
        source="texted the firm first" if source == "texted_first" else "replied YES",
        created_at=now,
    )
    _consented(contact, source=source, moment=now)


@transaction.atomic
def request_consent(*, contact: Contact, user: User) -> Message:
    """Text the firm's consent request ("Reply YES …"): the one text a contact without consent
    may get. Kept in the thread as an automated message and in the consent history."""
    if user.organization_id != contact.organization_id:
        raise ValidationError("That contact belongs to another firm.")
    problem = contact_not_textable(contact, asking_consent=True)
    if problem is not None:
        raise ValidationError(f"A consent request goes by text, and {problem.reason}.")
    if contact.consent_given_at is not None:
        raise ValidationError(f"{contact.name} already agreed to texts.")
    firm = one_line(contact.organization.name)
    body = (
        f"{firm}: may we text you about your matter? Reply YES to agree, or STOP to opt out. "
        "Msg & data rates may apply."
    )
    thread = Thread.objects.select_for_update().get(contact=contact)
    now = timezone.now()
    message = record_message(
        thread=thread,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.CONSENT_REQUEST,
        body=body,
        channel=Message.Channel.PENDING,
        status=Message.Status.QUEUED,
    )
    ConsentEvent.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        kind=ConsentEvent.Kind.REQUESTED,
        source="consent request text",
        recorded_by=user,
        created_at=now,
    )
    contact.consent_requested_at = now
    contact.save(update_fields=["consent_requested_at", "updated_at"])
    enqueue_on_commit(tasks.deliver_message, message.pk)
    return message


def check_line_type(*, contact: Contact) -> lookup.LineType | None:
    """Ask Lookup what the contact's number is, when due, and keep the answer with its date; a
    number no text reaches becomes not textable, with Lookup's words (so the thread says why
    before any text fails). None when nothing was asked. Raises LookupUnavailable."""
    if not lookup.enabled() or not contact.line_type_due:
        return None
    number = contact.phone
    line = lookup.line_type_of(number)  # outside the transaction: a request to Twilio
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.phone != number:
            return None  # changed while we asked: the new number is asked on its own
        locked.line_type = line.type
        locked.line_carrier = line.carrier
        locked.line_type_number = number
        locked.line_type_checked_at = timezone.now()
        fields = ["line_type", "line_carrier", "line_type_number", "line_type_checked_at"]
        if not line.textable:
            locked.phone_textable = False
            locked.phone_not_textable_reason = lookup.not_textable_reason(number, line)
            fields += ["phone_textable", "phone_not_textable_reason"]
        locked.save(update_fields=[*fields, "updated_at"])
    for name in fields:
        setattr(contact, name, getattr(locked, name))
    return line


def check_line_type_soon(contact: Contact) -> None:
    """Look the number up once this transaction commits: staff added or changed it, so the
    thread can say how texts will travel before the first one is sent."""
    if lookup.enabled() and contact.line_type_due:
        enqueue_on_commit(tasks.check_line_type, contact.pk)


@transaction.atomic
def mark_phone_not_textable(*, contact: Contact, reason: str) -> None:
    contact.phone_textable = False
    contact.phone_not_textable_reason = reason[:200]
    contact.save(update_fields=["phone_textable", "phone_not_textable_reason", "updated_at"])


@transaction.atomic
def update_contact(
    *,
    contact: Contact,
    name: str,
    kind: str,
    phone: str,
    email: str,
    notification_preference: str,
) -> Contact:
    """Staff edit a contact; a changed phone is checked again (and may become textable).

    A new phone or email ends the contact's earlier portal and download links and portal
    sessions: they were sent to the old number or address, which may now be someone else's.
    """
    reached_at = (contact.phone, contact.email.lower())
    contact.name = name.strip()
    contact.kind = kind
    contact.email = email.strip()
    contact.notification_preference = notification_preference
    if phone.strip() != contact.phone_display and phone.strip() != contact.phone:
        apply_phone(contact, phone)
    contact.full_clean()
    if (contact.phone, contact.email.lower()) != reached_at:
        contact.portal_revoked_at = timezone.now()
    contact.save()
    if contact.phone != reached_at[0]:
        check_line_type_soon(contact)
    return contact


@transaction.atomic
def revoke_portal_links(*, contact: Contact) -> None:
    """Every portal and download link made so far stops working, and so does every portal
    session opened with one (a new link can be sent afterwards)."""
    contact.portal_revoked_at = timezone.now()
    contact.save(update_fields=["portal_revoked_at", "updated_at"])


@transaction.atomic
def start_conversation(
    *,
    organization: Organization,
    contact: Contact | None = None,
    phone: str = "",
    email: str = "",
    started_by: User | None = None,
) -> Thread:
    """The thread of an existing contact, or of a new lead made from a phone number or email.

    A new lead counts against `started_by`'s hourly quota of new conversations."""
    if contact is not None:
        if contact.organization_id != organization.pk:
            raise ValidationError("That contact belongs to another firm.")
        return ensure_thread(contact=contact)
    phone, email = phone.strip(), email.strip()
    if not phone and not email:
        raise ValidationError("Choose a contact, or enter a phone number or an email address.")
    if phone:
        e164 = parse_phone(phone).e164
        existing = Contact.objects.for_organization(organization).filter(phone=e164).first()
    else:
        existing = (
            Contact.objects.for_organization(organization).filter(email__iexact=email).first()
        )
    if existing is not None:
        return ensure_thread(contact=existing)
    if started_by is not None:
        check_staff_quota(user=started_by, new_conversation=True)
    lead = create_contact(
        organization=organization,
        name=new_lead_name(parse_phone(phone).e164) if phone else email,
        kind=Contact.Kind.LEAD,
        phone=phone,
        email=email,
        notification_preference=(
            Contact.NotificationPreference.SMS if phone else Contact.NotificationPreference.EMAIL
        ),
        created_by=started_by,
    )
    return lead.thread
