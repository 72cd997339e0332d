"""Every write to contacts, threads, messages, templates and read state goes through here."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hona.models import Organization, User
from hona.phones import parse_phone
from messaging import events, uploads
from messaging.models import (
    MAX_BODY,
    Attachment,
    Contact,
    Message,
    MessageTemplate,
    Thread,
    UnreadThread,
)
from messaging.uploads import NewFile
from projects.models import Project

PREVIEW_LENGTH = 120


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
) -> Contact:
    """Create a contact and its thread. Raises ValidationError for a bad phone or a duplicate."""
    contact = Contact(
        organization=organization,
        name=name.strip(),
        kind=kind,
        email=email.strip(),
        notification_preference=notification_preference,
        created_by=created_by,
    )
    apply_phone(contact, phone)
    contact.full_clean()
    contact.save()
    if projects:
        _check_same_firm(organization, projects)
        contact.projects.add(*projects)
    ensure_thread(contact=contact)
    return contact


@transaction.atomic
def mark_phone_not_textable(*, contact: Contact, reason: str) -> None:
    contact.phone_textable = False
    contact.phone_not_textable_reason = reason[:200]
    contact.save(update_fields=["phone_textable", "phone_not_textable_reason", "updated_at"])


@transaction.atomic
def ensure_thread(*, contact: Contact) -> Thread:
    """The contact's one thread, created the first time it is needed."""
    thread, _ = Thread.objects.get_or_create(
        contact=contact,
        defaults={
            "organization_id": contact.organization_id,
            "current_project": contact.projects.order_by("-created_at", "-id").first(),
        },
    )
    return thread


@transaction.atomic
def add_contact_to_project(*, contact: Contact, project: Project) -> None:
    _check_same_firm(contact.organization, [project])
    contact.projects.add(project)
    thread = ensure_thread(contact=contact)
    if thread.current_project_id is None:
        thread.current_project = project
        thread.save(update_fields=["current_project"])
        UnreadThread.objects.filter(thread=thread).update(thread_project_id=project.pk)


def _check_same_firm(organization: Organization, projects: Iterable[Project]) -> None:
    if any(project.organization_id != organization.pk for project in projects):
        raise ValidationError("That project belongs to another firm.")


@transaction.atomic
def record_message(
    *,
    thread: Thread,
    direction: str,
    body: str,
    channel: str,
    status: str,
    sender: User | None = None,
    files: Sequence[NewFile] = (),
    created_at: datetime.datetime | None = None,
    provider_sid: str = "",
    media_pending: int = 0,
) -> Message:
    """Store one message (and its files) in a thread, and bring the thread up to date.

    Files it on the thread's current project, un-archives the thread and, for a client message,
    marks the thread unread for every active colleague (unless the contact is marked as spam).
    """
    if len(body) > MAX_BODY:
        raise ValidationError(f"A message can be at most {MAX_BODY} characters long.")
    if "\x00" in body or any("\x00" in f.name for f in files):
        # PostgreSQL cannot store NUL in text; say so instead of failing at the INSERT.
        raise ValidationError("The message has a NUL character in it. Remove it and send again.")
    if not body.strip() and not files and not media_pending:
        raise ValidationError("A message needs some text or a file.")
    if sender is not None and sender.organization_id != thread.organization_id:
        raise ValidationError("The sender belongs to another firm.")
    when = created_at or timezone.now()
    message = Message.objects.create(
        organization_id=thread.organization_id,
        thread=thread,
        direction=direction,
        body=body,
        sender=sender,
        channel=channel,
        status=status,
        provider_sid=provider_sid,
        project_id=thread.current_project_id,
        created_at=when,
        status_changed_at=when,
        media_pending=media_pending,
    )
    for new_file in files:
        attachment = Attachment(
            organization_id=thread.organization_id,
            message=message,
            filename=new_file.name,
            content_type=new_file.content_type,
            size=new_file.size,
            source=new_file.source,
        )
        # Streams from the upload's temporary file (or moves it): never read whole into memory.
        attachment.file.save(new_file.name, new_file.as_file(), save=False)
        attachment.save()

    inbound = direction == Message.Direction.INBOUND
    fields = ["is_archived", "archived_at", "archived_by"]
    thread.is_archived = False
    thread.archived_at = None
    thread.archived_by = None
    if not thread.last_message_preview or when >= thread.last_message_at:
        thread.last_message_at = when
        thread.last_message_preview = preview_of(message, files) or "📎 Photo or file"
        fields += ["last_message_at", "last_message_preview"]
    if inbound and (thread.last_inbound_at is None or when > thread.last_inbound_at):
        thread.last_inbound_at = when
        fields.append("last_inbound_at")
    thread.save(update_fields=fields)

    if inbound and not thread.is_spam:
        mark_thread_unread_for_colleagues(thread=thread, since=when)
    # Filing to the case and alerts to staff subscribe to this (imported history is not live).
    events.publish(events.MessageRecorded(message=message, live=created_at is None))
    return message


def preview_of(message: Message, files: Sequence[NewFile] = ()) -> str:
    text = " ".join(message.body.split())
    if not text and files:
        text = f"📎 {files[0].name}" + (f" and {len(files) - 1} more" if len(files) > 1 else "")
    if len(text) > PREVIEW_LENGTH:
        text = text[: PREVIEW_LENGTH - 1].rstrip() + "…"
    return text


@transaction.atomic
def mark_thread_unread_for_colleagues(*, thread: Thread, since: datetime.datetime) -> None:
    """One unread row per active staff member of the firm; an existing row keeps its time."""
    user_ids = User.objects.filter(
        organization_id=thread.organization_id, is_active=True
    ).values_list("pk", flat=True)
    UnreadThread.objects.bulk_create(
        [
            UnreadThread(
                user_id=user_id,
                thread=thread,
                since=since,
                thread_project_id=thread.current_project_id,
                thread_flagged=thread.is_flagged,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )


def mark_thread_read(*, user: User, thread: Thread) -> bool:
    """Clear the thread for this user only (one DELETE). Returns whether anything was unread."""
    deleted, _ = UnreadThread.objects.filter(user=user, thread=thread).delete()
    return deleted > 0


@transaction.atomic
def create_template(
    *, organization: Organization, name: str, body: str, created_by: User | None = None
) -> MessageTemplate:
    template = MessageTemplate(
        organization=organization, name=name.strip(), body=body, created_by=created_by
    )
    template.full_clean()
    template.save()
    return template


REDACTED_TEXT = "[Removed by Hona support]"


@transaction.atomic
def redact_messages(*, messages: Sequence[Message]) -> int:
    """Platform support's only way to remove content: the text and files go, the record stays."""
    now = timezone.now()
    count = 0
    for message in messages:
        if message.redacted_at is not None:
            continue
        for attachment in message.attachments.all():
            attachment.file.delete(save=False)
            attachment.filename = "removed"
            attachment.size = 0
            attachment.save(update_fields=["file", "filename", "size"])
        message.body = REDACTED_TEXT
        message.redacted_at = now
        message.save(update_fields=["body", "redacted_at"])
        count += 1
    return count


@transaction.atomic
def set_thread_flag(*, thread: Thread, user: User, flagged: bool) -> None:
    """Flag for the team's attention (visible to every colleague), or clear the flag."""
    thread.is_flagged = flagged
    thread.flagged_at = timezone.now() if flagged else None
    thread.flagged_by = user if flagged else None
    thread.save(update_fields=["is_flagged", "flagged_at", "flagged_by"])
    UnreadThread.objects.filter(thread=thread).update(thread_flagged=flagged)


@transaction.atomic
def set_thread_archived(*, thread: Thread, user: User, archived: bool) -> None:
    """Archive hides the thread until the next message in or out (see record_message)."""
    thread.is_archived = archived
    thread.archived_at = timezone.now() if archived else None
    thread.archived_by = user if archived else None
    thread.save(update_fields=["is_archived", "archived_at", "archived_by"])
    if archived:
        # The badge stays a pure count of rows: hidden threads have none.
        UnreadThread.objects.filter(thread=thread).delete()


@transaction.atomic
def set_thread_spam(*, thread: Thread, user: User, spam: bool) -> None:
    thread.is_spam = spam
    thread.spam_marked_at = timezone.now() if spam else None
    thread.spam_marked_by = user if spam else None
    thread.save(update_fields=["is_spam", "spam_marked_at", "spam_marked_by"])
    if spam:
        UnreadThread.objects.filter(thread=thread).delete()


QUOTA_WINDOW = datetime.timedelta(hours=1)


class QuotaReached(ValidationError):
    """A staff member reached their firm's hourly quota; nothing was stored."""


def check_staff_quota(*, user: User, new_conversation: bool = False) -> None:
    """Each person's hourly quota, per firm: a busy desk never meets it, a script does.

    Counted from the database in the caller's transaction, with the user's row locked so two
    requests of one person cannot both take the last place.
    """
    firm = user.organization
    if firm is None:
        raise ValidationError("Only a firm's staff can send messages.")
    User.objects.select_for_update().filter(pk=user.pk).exists()
    since = timezone.now() - QUOTA_WINDOW
    if new_conversation:
        limit, what = firm.new_conversations_per_hour, "new conversations"
        used = Contact.objects.filter(created_by=user, created_at__gte=since).count()
    else:
        limit, what = firm.messages_per_hour, "messages"
        used = Message.objects.filter(sender=user, created_at__gte=since).count()
    if limit and used >= limit:
        raise QuotaReached(
            f"You have sent {used} {what} in the last hour, the most {firm.name} allows one "
            "person. Please wait a little, or ask a firm admin to raise the limit.",
            code="quota",
        )


@transaction.atomic
def send_message(
    *, thread: Thread, sender: User, body: str, files: Sequence[NewFile] = ()
) -> Message:
    """A staff member's message: stored as queued, delivered by a task once committed."""
    from messaging.tasks import deliver_message

    if sender.organization_id != thread.organization_id:
        raise ValidationError("The sender belongs to another firm.")
    check_staff_quota(user=sender)
    files = uploads.accept(files, uploads.staff_limits())
    message = record_message(
        thread=thread,
        direction=Message.Direction.OUTBOUND,
        body=body,
        channel=Message.Channel.PENDING,
        status=Message.Status.QUEUED,
        sender=sender,
        files=files,
    )
    message_id = message.pk
    # Robust: if the broker is down the message stays queued and the sweeper sends it later.
    transaction.on_commit(lambda: deliver_message.delay(message_id), robust=True)
    return message


@transaction.atomic
def set_thread_project(*, thread: Thread, project: Project | None) -> None:
    """Choose the project new messages are filed to; earlier messages keep theirs."""
    if project is not None:
        if project.organization_id != thread.organization_id:
            raise ValidationError("That project belongs to another firm.")
        if not project.clients.filter(pk=thread.contact_id).exists():
            raise ValidationError("That project is not one of this contact's projects.")
    thread.current_project = project
    thread.save(update_fields=["current_project"])
    UnreadThread.objects.filter(thread=thread).update(
        thread_project_id=project.pk if project else None
    )


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
        name=parse_phone(phone).e164 if phone else email,
        kind=Contact.Kind.LEAD,
        phone=phone,
        email=email,
        notification_preference=(
            Contact.NotificationPreference.SMS if phone else Contact.NotificationPreference.EMAIL
        ),
        created_by=started_by,
    )
    return lead.thread


@transaction.atomic
def update_template(*, template: MessageTemplate, name: str, body: str) -> MessageTemplate:
    template.name = name.strip()
    template.body = body
    template.full_clean()
    template.save(update_fields=["name", "body", "updated_at"])
    return template


@transaction.atomic
def delete_template(*, template: MessageTemplate) -> None:
    template.delete()


@transaction.atomic
def revoke_portal_links(*, contact: Contact) -> None:
    """Every portal and download link made so far stops working, and so does every portal
    session opened with one (a new link can be sent afterwards)."""
    contact.portal_revoked_at = timezone.now()
    contact.save(update_fields=["portal_revoked_at", "updated_at"])


@transaction.atomic
def receive_portal_message(*, contact: Contact, body: str, files: Sequence[NewFile]) -> Message:
    """What a client writes or uploads in the portal: an inbound message on the portal channel."""
    accepted = uploads.accept(files, uploads.portal_limits())
    thread = Thread.objects.select_for_update().get(contact=contact)
    return record_message(
        thread=thread,
        direction=Message.Direction.INBOUND,
        body=body,
        channel=Message.Channel.PORTAL,
        status=Message.Status.RECEIVED,
        files=[dataclasses.replace(f, source=Attachment.Source.PORTAL) for f in accepted],
    )


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
    return contact
