"""What CMS filing does when messaging announces something (registered in apps.py).

Both run in the message's own transaction: the outbox row is written with what it files.
"""

from __future__ import annotations

from cms_sync.actions import queue_file, queue_message
from messaging.events import AttachmentStored, MessageRecorded, NoteWritten


def file_recorded_message(event: MessageRecorded) -> None:
    if event.live:  # imported history is not filed
        queue_message(message=event.message)


def file_stored_attachment(event: AttachmentStored) -> None:
    queue_file(attachment=event.attachment)


def file_written_note(event: NoteWritten) -> None:
    queue_message(message=event.message)  # only when the firm files notes (queue_message)
