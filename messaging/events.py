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

import datetime
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


@dataclass(frozen=True)
class InStatement:
    """A MessageRecorded handler's work written as one member of the single statement that
    stores a known client's plain text (messaging.inbound, on PostgreSQL), so the webhook's
    text is one round trip with its filing and alert in the same transaction, as `publish`
    would have them.

    `sql()` is a data-modifying WITH member that reads `m`, the new message (its id, thread_id,
    organization_id, project_id and created_at columns), and `t`, its thread (id,
    organization_id, current_project_id, is_flagged, is_spam), and returns at most one row of
    one column; its parameters are named (`%(name)s`), from `params(now)`, prefixed with the
    handler's own name. `committed(value, message)` runs once the statement has committed, when
    the member returned a row, with its value: where the handler queues its task."""

    sql: Callable[[], str]
    params: Callable[[datetime.datetime], dict[str, Any]]
    committed: Callable[[Any, Message], None]


_handlers: dict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)
_in_statement: dict[Callable[[Any], None], InStatement] = {}


def subscribe(
    event_type: type[E], handler: Callable[[E], None], *, in_statement: InStatement | None = None
) -> None:
    """Call `handler` with every event of this type (registered once, in AppConfig.ready);
    `in_statement` is the same work as a member of one statement (MessageRecorded only)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)
    if in_statement is not None:
        assert event_type is MessageRecorded, event_type
        _in_statement[handler] = in_statement


def in_statement(event_type: type[E]) -> list[InStatement] | None:
    """Every handler's member of the one statement, in the order registered; None when some
    handler has none (then the message is stored the usual way, and `publish` calls them)."""
    members = [_in_statement.get(handler) for handler in _handlers[event_type]]
    return None if None in members else [m for m in members if m is not None]


def publish(event: Event) -> None:
    """Run every handler of the event, in the caller's transaction, in the order registered."""
    for handler in _handlers[type(event)]:
        handler(event)
