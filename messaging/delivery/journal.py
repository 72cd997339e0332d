"""A message's delivery journal: its status moves and the event kept for each step."""

from __future__ import annotations

from django.utils import timezone

from messaging import live
from messaging.models import DeliveryEvent, Message


def record(message: Message, kind: str, **fields: str) -> None:
    """Keep one step of the message's journey (for the record, the thread and the export)."""
    DeliveryEvent.objects.create(message=message, kind=kind, **fields)


def move(message: Message, **fields: object) -> None:
    """Change the message's delivery fields and stamp when its status last changed."""
    for name, value in fields.items():
        setattr(message, name, value)
    message.status_changed_at = timezone.now()
    message.save(update_fields=[*fields, "status_changed_at"])
    live.thread_changed(organization_id=message.organization_id, thread_id=message.thread_id)
