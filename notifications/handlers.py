"""What notifications does when messaging announces something (registered in apps.py)."""

from __future__ import annotations

from messaging.events import (
    ExportFinished,
    MessageFailed,
    MessageRecorded,
    NoteWritten,
    ScheduledMessageFailed,
)
from notifications.actions import (
    notify_delivery_failure,
    notify_export_finished,
    notify_mentions,
    notify_scheduled_failure,
)
from notifications.alerts import client_message_arrived


def alert_staff_to_client_message(event: MessageRecorded) -> None:
    message = event.message
    if event.live and message.is_inbound:
        client_message_arrived(thread=message.thread)


def tell_sender_their_message_failed(event: MessageFailed) -> None:
    notify_delivery_failure(message=event.message)


def tell_mentioned_colleagues(event: NoteWritten) -> None:
    if event.mentioned:
        notify_mentions(note=event.message, mentioned=event.mentioned)


def tell_author_their_scheduled_message_failed(event: ScheduledMessageFailed) -> None:
    notify_scheduled_failure(scheduled=event.scheduled, reason=event.reason)


def tell_who_asked_their_export_is_done(event: ExportFinished) -> None:
    notify_export_finished(export=event.export)
