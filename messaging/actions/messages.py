"""Writes for messages: recorded in a thread, sent by staff, received in the portal, redacted."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hona.models import User
from hona.queueing import enqueue_on_commit
from hona.sql import insert, update
from messaging import events, live, tasks, uploads
from messaging.actions.quota import check_staff_quota
from messaging.actions.threads import mark_thread_unread_for_colleagues
from messaging.models import (
    MAX_BODY,
    Attachment,
    Contact,
    Message,
    ScheduledFile,
    ScheduledMessage,
    Thread,
)
from messaging.quiet import QuietCheck
from messaging.reach import reply_refused
from messaging.uploads import NewFile

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 120
# A portal reply's provider id: the key the client's browser gave it (see receive_portal_message).
PORTAL_SID_PREFIX = "portal:"


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
    kind: str = Message.Kind.MESSAGE,
    allow_empty: bool = False,
    client_zone: str = "",
    quiet_hours: str = "",
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
    empty = not body.strip() and not files and not media_pending
    if empty and not allow_empty:  # an inbound text is kept even when it came empty
        raise ValidationError("A message needs some text or a file.")
    if sender is not None and sender.organization_id != thread.organization_id:
        raise ValidationError("The sender belongs to another firm.")
    # No savepoint: each caller writes the message in a transaction of its own (the webhook's,
    # a send's), which fails whole if this does. Two round trips fewer on every client text.
    with transaction.atomic(savepoint=False):
        when = created_at or timezone.now()
        message = Message(
            organization_id=thread.organization_id,
            thread=thread,
            direction=direction,
            kind=kind,
            body=body,
            sender=sender,
            client_zone=client_zone,
            quiet_hours=quiet_hours,
            channel=channel,
            status=status,
            provider_sid=provider_sid,
            project_id=thread.current_project_id,
            created_at=when,
            status_changed_at=when,
            media_pending=media_pending,
        )
        insert(message)  # one statement, its text built once: on every client text's path
        for new_file in files:
            attachment = Attachment(
                organization_id=thread.organization_id,
                message=message,
                filename=new_file.name,
                content_type=new_file.content_type,
                size=new_file.size,
                source=new_file.source,
            )
            if new_file.stored_as:
                attachment.file.name = new_file.stored_as  # stored already: shared, not copied
            else:
                # Streams from the upload's temporary file (or moves it): never read whole.
                attachment.file.save(new_file.name, new_file.as_file(), save=False)
            attachment.save()

        inbound = direction == Message.Direction.INBOUND
        fields = ["is_archived", "archived_at", "archived_by"]
        thread.is_archived = False
        thread.archived_at = None
        thread.archived_by = None
        if not thread.last_message_preview or when >= thread.last_message_at:
            thread.last_message_at = when
            thread.last_message_preview = preview_of(message, files) or (
                "(empty message)" if empty else "📎 Photo or file"
            )
            fields += ["last_message_at", "last_message_preview"]
        if inbound and (thread.last_inbound_at is None or when > thread.last_inbound_at):
            thread.last_inbound_at = when
            fields.append("last_inbound_at")
        update(thread, fields)

        if inbound and not thread.is_spam:
            mark_thread_unread_for_colleagues(thread=thread, since=when)
        # Filing to the case and alerts to staff subscribe to this (imported history is not live).
        events.publish(events.MessageRecorded(message=message, live=created_at is None))
        live.thread_changed(organization_id=thread.organization_id, thread_id=thread.pk)
        return message


def preview_of(message: Message, files: Sequence[NewFile] = ()) -> str:
    text = " ".join(message.body.split())
    if not text and files:
        text = f"📎 {files[0].name}" + (f" and {len(files) - 1} more" if len(files) > 1 else "")
    if len(text) > PREVIEW_LENGTH:
        text = text[: PREVIEW_LENGTH - 1].rstrip() + "…"
    return text


@transaction.atomic
def send_message(
    *,
    thread: Thread,
    sender: User,
    body: str,
    files: Sequence[NewFile] = (),
    quiet: QuietCheck | None = None,
    held: bool = False,
) -> Message:
    """A staff member's message: stored as queued, delivered by a task once committed.

    `quiet`, for a text, is what the client's quiet hours said when staff sent it (kept on the
    message with their zone); `held`: it waited for them to end (a scheduled message)."""
    if sender.organization_id != thread.organization_id:
        raise ValidationError("The sender belongs to another firm.")
    refused = reply_refused(thread.contact)
    if refused is not None:  # a short code with no email: nothing is stored, staff are told why
        raise ValidationError(refused.reason, code=refused.code)
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
        client_zone=quiet.zone if quiet is not None else "",
        quiet_hours=_quiet_decision(quiet, held),
    )
    # After commit; if the broker is down then, the message stays queued and the sweeper sends it.
    enqueue_on_commit(tasks.deliver_message, message.pk)
    return message


def _quiet_decision(quiet: QuietCheck | None, held: bool) -> str:
    if quiet is None:
        return ""
    if held:
        return "scheduled"
    return "sent_anyway" if quiet.inside else "outside"


@transaction.atomic
def receive_portal_message(
    *, contact: Contact, body: str, files: Sequence[NewFile], key: str = ""
) -> Message:
    """What a client writes or uploads in the portal: an inbound message on the portal channel.

    A `key` sent again (the client's Retry after an answer lost on the way back) returns the
    message already stored under it instead of storing a second copy.
    """
    thread = Thread.objects.select_for_update().get(contact=contact)
    sid = f"{PORTAL_SID_PREFIX}{key}" if key else ""
    if sid:
        stored = Message.objects.filter(thread=thread, provider_sid=sid).first()
        if stored is not None:
            return stored
    accepted = uploads.accept(files, uploads.portal_limits())
    return record_message(
        thread=thread,
        direction=Message.Direction.INBOUND,
        body=body,
        channel=Message.Channel.PORTAL,
        status=Message.Status.RECEIVED,
        files=[dataclasses.replace(f, source=Attachment.Source.PORTAL) for f in accepted],
        provider_sid=sid,
    )


REDACTED_TEXT = "[Removed by Hona support]"


@transaction.atomic
def redact_messages(*, messages: Sequence[Message]) -> int:
    """Platform support's only way to remove content: the text and files go, the record stays.

    The files leave storage only once the database has agreed: a redaction that rolls back
    keeps every file its rows still point to.
    """
    now = timezone.now()
    count = 0
    stored: list[str] = []
    for message in messages:
        if message.redacted_at is not None:
            continue
        for attachment in message.attachments.all():
            if attachment.file:
                stored.append(attachment.file.name)
            attachment.file.name = ""  # the row forgets it now; storage, after commit
            attachment.filename = "removed"
            attachment.size = 0
            attachment.save(update_fields=["file", "filename", "size"])
        message.body = REDACTED_TEXT
        message.redacted_at = now
        message.save(update_fields=["body", "redacted_at"])
        # A message sent on schedule: the copy of its text and its files' names go too (the files
        # are the attachments' own, removed above).
        ScheduledMessage.objects.filter(message=message).update(body=REDACTED_TEXT)
        ScheduledFile.objects.filter(scheduled__message=message).update(file="", filename="removed")
        count += 1
    if stored:
        transaction.on_commit(lambda: remove_stored_files(names=stored), robust=True)
    return count


def remove_stored_files(*, names: Sequence[str]) -> None:
    """Delete files from storage; what storage could not delete now, a task retries."""
    storage = Attachment.file.field.storage
    left = []
    for name in names:
        try:
            storage.delete(name)
        except OSError as error:
            logger.warning("Stored file %s not deleted yet: %r", name, error)
            left.append(name)
    if left:
        enqueue_on_commit(tasks.remove_stored_files, left)
