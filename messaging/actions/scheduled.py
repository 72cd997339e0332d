"""Scheduled messages: written now, sent later by beat, exactly once.

Beat's `send_due_messages` takes each due one with its row locked (SKIP LOCKED, so two beats or
a slow run never take the same one), sends it through `send_message` in the same transaction and
marks it sent with the message it became: a crash before the commit leaves it pending for the
next run, one after leaves it sent. The send obeys everything at that moment (opt-out, the
firm's consent rule, the sender's quota, the number's rate); when it is refused, the scheduled
message is marked failed with the reason and its author is told.

Files are checked and stored when the message is scheduled (the same limits and content check as
any upload, so staff hear at once what cannot go) and checked again when it is sent.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from hona.models import User
from messaging import events, live, uploads
from messaging.actions.messages import send_message
from messaging.models import MAX_BODY, ScheduledFile, ScheduledMessage, Thread
from messaging.quiet import quiet_check

logger = logging.getLogger(__name__)

EARLIEST = datetime.timedelta(minutes=1)
LATEST = datetime.timedelta(days=366)
DUE_BATCH = 100


def _checked(
    body: str, send_at: datetime.datetime, now: datetime.datetime, *, has_files: bool = False
) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body and not has_files:
        raise ValidationError("Write the message to schedule.")
    if len(body) > MAX_BODY:
        raise ValidationError(f"A message can be at most {MAX_BODY} characters long.")
    if "\x00" in body:
        raise ValidationError("The message has a NUL character in it. Remove it and try again.")
    if send_at < now + EARLIEST:
        raise ValidationError("Choose a time at least a minute from now.")
    if send_at > now + LATEST:
        raise ValidationError("Choose a time within the next year.")
    return body


@transaction.atomic
def schedule_message(
    *,
    thread: Thread,
    sender: User,
    body: str,
    send_at: datetime.datetime,
    reason: str = ScheduledMessage.Reason.CHOSEN,
    files: Sequence[uploads.NewFile] = (),
) -> ScheduledMessage:
    if sender.organization_id != thread.organization_id:
        raise ValidationError("The sender belongs to another firm.")
    now = timezone.now()
    body = _checked(body, send_at, now, has_files=bool(files))
    files = uploads.accept(files, uploads.staff_limits())
    contact = thread.contact
    zone = quiet_check(contact.phone, thread.organization, send_at).zone if contact.phone else ""
    scheduled = ScheduledMessage.objects.create(
        organization_id=thread.organization_id,
        thread=thread,
        sender=sender,
        body=body,
        send_at=send_at,
        reason=reason,
        client_zone=zone,
    )
    for new_file in files:
        stored = ScheduledFile(
            organization_id=thread.organization_id,
            scheduled=scheduled,
            filename=new_file.name,
            content_type=new_file.content_type,
            size=new_file.size,
        )
        # Streams from the upload's temporary file (or moves it): never read whole into memory.
        stored.file.save(new_file.name, new_file.as_file(), save=False)
        stored.save()
    _count(thread.pk, +1)
    thread.pending_scheduled += 1
    live.scheduled_changed(organization_id=thread.organization_id, thread_id=thread.pk)
    return scheduled


def _pending(scheduled: ScheduledMessage, user: User) -> ScheduledMessage:
    if user.organization_id != scheduled.organization_id:
        raise ValidationError("That message belongs to another firm.")
    locked = ScheduledMessage.objects.select_for_update().get(pk=scheduled.pk)
    if locked.status != ScheduledMessage.Status.PENDING:
        raise ValidationError(
            "This message was already sent or cancelled; it can no longer be changed."
        )
    return locked


@transaction.atomic
def edit_scheduled(
    *, scheduled: ScheduledMessage, user: User, body: str, send_at: datetime.datetime
) -> ScheduledMessage:
    locked = _pending(scheduled, user)
    has_files = locked.files.exists()
    locked.body = _checked(body, send_at, timezone.now(), has_files=has_files)
    locked.send_at = send_at
    locked.reason = ScheduledMessage.Reason.CHOSEN
    locked.save(update_fields=["body", "send_at", "reason", "updated_at"])
    live.scheduled_changed(organization_id=locked.organization_id, thread_id=locked.thread_id)
    return locked


@transaction.atomic
def cancel_scheduled(*, scheduled: ScheduledMessage, user: User) -> ScheduledMessage:
    locked = _pending(scheduled, user)
    locked.status = ScheduledMessage.Status.CANCELLED
    locked.cancelled_by = user
    locked.save(update_fields=["status", "cancelled_by", "updated_at"])
    _count(locked.thread_id, -1)
    live.scheduled_changed(organization_id=locked.organization_id, thread_id=locked.thread_id)
    return locked


def _count(thread_id: int, change: int) -> None:
    """The thread's number of pending scheduled messages (the thread page reads them only then)."""
    Thread.objects.filter(pk=thread_id).update(
        pending_scheduled=Greatest(F("pending_scheduled") + change, 0)
    )


def send_due_messages(now: datetime.datetime | None = None) -> int:
    """Send every scheduled message that is due; how many went (or failed)."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                ScheduledMessage.objects.select_for_update(skip_locked=True)
                .filter(status=ScheduledMessage.Status.PENDING, send_at__lte=now)
                .select_related("thread__contact__organization", "thread__organization", "sender")
                .prefetch_related("files")
                .order_by("send_at", "pk")[:DUE_BATCH]
            )
            for scheduled in due:
                _send_one(scheduled)
        done += len(due)
        if len(due) < DUE_BATCH:
            return done


def _send_one(scheduled: ScheduledMessage) -> None:
    thread = scheduled.thread
    contact = thread.contact
    quiet = (
        quiet_check(contact.phone, thread.organization, timezone.now()) if contact.phone else None
    )
    stored = list(scheduled.files.all())
    try:
        with transaction.atomic():
            message = send_message(
                thread=thread,
                sender=scheduled.sender,
                body=scheduled.body,
                files=[_as_new_file(f) for f in stored],
                quiet=quiet,
                held=scheduled.reason == ScheduledMessage.Reason.QUIET_HOURS,
            )
    except ValidationError as error:
        reason = " ".join(error.messages)
        logger.warning("Scheduled message %s not sent: %s", scheduled.pk, reason)
        scheduled.status = ScheduledMessage.Status.FAILED
        scheduled.failure = reason[:300]
        scheduled.save(update_fields=["status", "failure", "updated_at"])
        _done(scheduled)
        _tell_author(scheduled, reason)
        return
    finally:
        for f in stored:
            f.file.close()
    scheduled.status = ScheduledMessage.Status.SENT
    scheduled.message = message
    scheduled.save(update_fields=["status", "message", "updated_at"])
    _done(scheduled)


def _done(scheduled: ScheduledMessage) -> None:
    """It left the pending list: sent or failed."""
    _count(scheduled.thread_id, -1)
    live.scheduled_changed(organization_id=scheduled.organization_id, thread_id=scheduled.thread_id)


def _as_new_file(stored: ScheduledFile) -> uploads.NewFile:
    if not stored.file:
        raise ValidationError(f"{stored.filename} was removed before it could be sent.")
    try:
        stored.file.open("rb")  # still in storage (the send links to it, never reads it whole)
    except OSError:
        raise ValidationError(
            f"{stored.filename} could not be read from storage. Send it again from the composer."
        ) from None
    return uploads.NewFile(
        stored.filename, stored.file, content_type=stored.content_type, stored_as=stored.file.name
    )


def _tell_author(scheduled: ScheduledMessage, reason: str) -> None:
    events.publish(events.ScheduledMessageFailed(scheduled=scheduled, reason=reason))
