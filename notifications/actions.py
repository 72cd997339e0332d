"""Writes for staff notifications. Messaging calls these explicitly (no signals)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from hona.models import User
from hona.queueing import enqueue_on_commit
from hona.text import one_line
from messaging.models import ExportRecord, Message, ScheduledMessage
from notifications import tasks
from notifications.models import Notification, NotificationSettings


def settings_for(user: User) -> NotificationSettings:
    """The user's settings; the defaults until they change them."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


@transaction.atomic
def notify_delivery_failure(*, message: Message) -> Notification | None:
    """Tell the sender their message reached nobody, and why: in the app, and by email.

    The notice is a row in the message's transaction; its email is queued after commit (and
    swept up later if the broker is down then).
    """
    notification = _notify_sender(
        message=message,
        kind=Notification.Kind.DELIVERY_FAILED,
        title=f"Your message to {message.thread.contact.name} was not delivered",
        body=message.error_reason,
    )
    if notification is None or message.sender is None:
        return None  # nobody to tell, or already told about this message
    if settings_for(message.sender).failure_emails and message.sender.email:
        notification.email = Notification.Email.PENDING
        notification.save(update_fields=["email"])
        enqueue_on_commit(tasks.email_notification, notification.pk)
    return notification


@transaction.atomic
def notify_scheduled_failure(*, scheduled: ScheduledMessage, reason: str) -> Notification:
    """Tell the author their scheduled message did not go when it was due, and why."""
    author = scheduled.sender
    notification = Notification.objects.create(
        user=author,
        kind=Notification.Kind.DELIVERY_FAILED,
        thread=scheduled.thread,
        title=f"Your scheduled message to {scheduled.thread.contact.name} was not sent",
        body=reason,
        email=Notification.Email.PENDING
        if settings_for(author).failure_emails and author.email
        else Notification.Email.NONE,
    )
    if notification.email == Notification.Email.PENDING:
        enqueue_on_commit(tasks.email_notification, notification.pk)
    return notification


def notify_export_finished(*, export: ExportRecord) -> Notification:
    """Tell whoever asked for an evidence export that it is ready (or why it is not)."""
    user = export.exported_by
    ready = export.status == ExportRecord.Status.READY
    what = export.title
    notification = Notification.objects.create(
        user=user,
        kind=Notification.Kind.EXPORT,
        export=export,
        title=f"Your evidence export of {what} is ready"
        if ready
        else (f"Your evidence export of {what} could not be prepared"),
        body=f"{export.message_count} messages. Download it from its page."
        if ready
        else export.failure,
        email=Notification.Email.PENDING
        if settings_for(user).failure_emails and user.email and not ready
        else Notification.Email.NONE,
    )
    if notification.email == Notification.Email.PENDING:
        enqueue_on_commit(tasks.email_notification, notification.pk)
    return notification


def mark_export_notices_read(*, user: User, export: ExportRecord) -> None:
    """They opened the export's page: its "ready" notice has done its job."""
    Notification.objects.filter(user=user, export=export, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_notification_read(*, user: User, notification_id: int) -> bool:
    updated = Notification.objects.filter(
        pk=notification_id, user=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return updated > 0


@transaction.atomic
def save_own_settings(*, user: User, form_data: dict[str, object]) -> NotificationSettings:
    """The only way settings change: their owner saves them (nobody else, not even an admin)."""
    found, _ = NotificationSettings.objects.get_or_create(user=user)
    for name, value in form_data.items():
        setattr(found, name, value)
    found.saved_at = timezone.now()
    found.full_clean()
    found.save()
    return found


@transaction.atomic
def dismiss_settings_banner(*, user: User) -> None:
    found, _ = NotificationSettings.objects.get_or_create(user=user)
    found.welcome_dismissed_at = timezone.now()
    found.save(update_fields=["welcome_dismissed_at", "updated_at"])


def _notify_sender(*, message: Message, kind: str, title: str, body: str) -> Notification | None:
    """One notice per message and kind for its sender (a second is a no-op)."""
    if message.sender is None:
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=message.sender,
                kind=kind,
                thread=message.thread,
                message=message,
                title=title,
                body=body,
            )
    except IntegrityError:
        return None


@transaction.atomic
def notify_filing_failure(*, message: Message, reason: str) -> Notification | None:
    """Tell the sender that their message could not be filed into the CMS case, and why."""
    return _notify_sender(
        message=message,
        kind=Notification.Kind.CMS_FAILED,
        title=f"Your message to {message.thread.contact.name} was not filed to the case",
        body=reason,
    )


@transaction.atomic
def notify_documents_not_sent(*, message: Message, reasons: list[str]) -> Notification | None:
    """Tell the sender which documents chosen from the case were left out of their message."""
    if not reasons:
        return None
    return _notify_sender(
        message=message,
        kind=Notification.Kind.DOCUMENTS_NOT_SENT,
        title=f"Not every document reached {message.thread.contact.name}",
        body=" ".join(reasons),
    )


NOTE_EXCERPT = 300


@transaction.atomic
def notify_mentions(*, note: Message, mentioned: Sequence[User]) -> list[Notification]:
    """Tell each colleague a note mentions, by their own settings: in the app (the badge and
    the list), by email, both or neither. One notice per person and note."""
    told = []
    author = note.sender.name if note.sender is not None else "A colleague"
    excerpt = one_line(note.body)
    if len(excerpt) > NOTE_EXCERPT:
        excerpt = excerpt[: NOTE_EXCERPT - 1].rstrip() + "…"
    for person in mentioned:
        if person.organization_id != note.organization_id or not person.is_active:
            continue
        chosen = settings_for(person)
        by_email = chosen.email_immediately and bool(person.email)
        if not chosen.in_app and not by_email:
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=person,
                    kind=Notification.Kind.MENTIONED,
                    thread=note.thread,
                    message=note,
                    title=f"{author} mentioned you in a note on {note.thread.contact.name}",
                    body=excerpt,
                    # Not wanted in the app: kept (it was sent) but never counted in the badge.
                    read_at=None if chosen.in_app else timezone.now(),
                    email=Notification.Email.PENDING if by_email else Notification.Email.NONE,
                )
        except IntegrityError:
            continue  # told already
        if by_email:
            enqueue_on_commit(tasks.email_notification, notification.pk)
        told.append(notification)
    return told
