"""What happened in messaging, announced to the apps on its right (notifications, cms_sync).

Dependencies point one way (hona → projects → messaging → notifications → cms_sync), so messaging
never calls those apps: it publishes one of the events below, and they subscribe in their
`AppConfig.ready()`. This file lists every event; each app registers its handlers in one place.

Handlers run inside the publisher's transaction, so what must be atomic with the message (a CMS
outbox row) is. Anything else they enqueue on commit (hona.queueing): a handler never touches the
cache, the broker or an outside service inside the transaction, so it can never make the
message's own write fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hona.models import User
from messaging.models import Attachment, ExportRecord, Message, ScheduledMessage


@dataclass(frozen=True)
class MessageRecorded:
    """A message (and the files that came with it) was stored in its thread.

    `live` is False for history being imported: it is neither filed to the CMS nor alerted.
    """

    message: Message
    live: bool = True


@dataclass(frozen=True)
class AttachmentStored:
    """A file joined a message after the message was recorded (an MMS file, downloaded later)."""

    attachment: Attachment


@dataclass(frozen=True)
class MessageFailed:
    """An outbound message reached nobody: its failure code and reason are on the message."""

    message: Message


@dataclass(frozen=True)
class NoteWritten:
    """Staff wrote an internal note in a thread; `mentioned` are the colleagues it @mentions."""

    message: Message
    mentioned: tuple[User, ...] = ()


@dataclass(frozen=True)
class ScheduledMessageFailed:
    """A scheduled message could not be sent when it was due (opted out, a firm rule…)."""

    scheduled: ScheduledMessage
    reason: str


@dataclass(frozen=True)
class ExportFinished:
    """An evidence export someone asked for is ready to download, or could not be built."""

    export: ExportRecord


Event = (
    MessageRecorded
    | AttachmentStored
    | MessageFailed
    | NoteWritten
    | ScheduledMessageFailed
    | ExportFinished
)
E = TypeVar(
    "E",
    MessageRecorded,
    AttachmentStored,
    MessageFailed,
    NoteWritten,
    ScheduledMessageFailed,
    ExportFinished,
)

_handlers: dict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler` with every event of this type (registered once, in AppConfig.ready)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: Event) -> None:
    """Run every handler of the event, in the caller's transaction, in the order registered."""
    for handler in _handlers[type(event)]:
        handler(event)
