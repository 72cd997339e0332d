"""Contacts, their one thread each, messages, files, templates and per-user unread state.

Threads and messages are never deleted: nothing here cascades into them from a contact, a project
or a user, and no admin or view offers a delete.
"""

from messaging.models.contacts import ConsentEvent, Contact, new_lead_name
from messaging.models.exports import ExportRecord
from messaging.models.messages import (
    MAX_BODY,
    Attachment,
    DeliveryEvent,
    InboundMedia,
    Message,
    attachment_path,
    body_fits,
)
from messaging.models.scheduled import ScheduledFile, ScheduledMessage
from messaging.models.templates import MessageTemplate
from messaging.models.threads import Thread, ThreadQuerySet, UnreadThread
from messaging.reach import Route, route_for

__all__ = [
    "MAX_BODY",
    "Attachment",
    "ConsentEvent",
    "Contact",
    "DeliveryEvent",
    "ExportRecord",
    "InboundMedia",
    "Message",
    "MessageTemplate",
    "Route",
    "ScheduledFile",
    "ScheduledMessage",
    "Thread",
    "ThreadQuerySet",
    "UnreadThread",
    "attachment_path",
    "body_fits",
    "new_lead_name",
    "route_for",
]
