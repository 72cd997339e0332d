"""Automated notices to clients (not two-way messages): a fresh portal link, for now.

A notice is a message in the contact's thread (kind PORTAL_LINK, no staff sender), so staff see
it and its status like any other, and it travels like any other: by SMS through
`deliver_message` (claimed before it is sent, paced by the firm number's rate, re-queued by the
sweeper when a worker dies with it), or by email. The contact's notification preference picks
the way; "both" records one message for each.
"""

from __future__ import annotations

from django.db import transaction

from hona.queueing import enqueue_on_commit
from hona.text import one_line
from messaging import actions, tasks
from messaging.delivery.email import route_to_email
from messaging.failures import Failure
from messaging.models import Contact, Message, Thread
from messaging.portal import portal_url
from messaging.reach import NotBySms, contact_not_textable


def notice_channels(contact: Contact) -> list[str]:
    """Where an automated notice goes: the preference, limited to what can reach the contact."""
    wanted = {
        Contact.NotificationPreference.SMS: ["sms"],
        Contact.NotificationPreference.EMAIL: ["email"],
        Contact.NotificationPreference.BOTH: ["sms", "email"],
    }[Contact.NotificationPreference(contact.notification_preference)]
    usable = [
        c
        for c in wanted
        if (c == "sms" and contact.can_receive_sms) or (c == "email" and contact.email)
    ]
    if usable:
        return usable
    # The preferred way cannot reach them: use the other one rather than stay silent.
    if contact.can_receive_sms:
        return ["sms"]
    return ["email"] if contact.email else []


def _why_email(contact: Contact) -> NotBySms:
    """Why a notice goes by email: their choice, or (when they chose texts) why not a text."""
    problem = contact_not_textable(contact)
    if (
        problem is not None
        and contact.notification_preference == Contact.NotificationPreference.SMS
    ):
        return problem
    ways = "SMS and email" if contact.notification_preference == "both" else "email"
    return NotBySms(Failure.PREFERS_EMAIL, f"{contact.name} asked for notices by {ways}")


@transaction.atomic
def send_fresh_portal_link(*, contact: Contact) -> str | None:
    """Record a new portal link in the contact's thread and queue it to the phone or email on
    file; say where it goes first ("sms" or "email"; None: nowhere, and nothing is recorded)."""
    channels = notice_channels(contact)
    if not channels:
        return None
    firm_name = one_line(contact.organization.name)
    text = f"{firm_name}: here is your new link to your conversation with us: {portal_url(contact)}"
    thread = Thread.objects.select_for_update().get(contact=contact)
    for channel in channels:
        message = actions.record_message(
            thread=thread,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.PORTAL_LINK,
            body=text,
            channel=Message.Channel.PENDING,
            status=Message.Status.QUEUED,
        )
        if channel == "sms":
            # After commit; if the broker is down or the worker dies, the sweeper sends it.
            enqueue_on_commit(tasks.deliver_message, message.pk)
        else:
            route_to_email(message, cause=_why_email(contact), fallback=False)
    return channels[0]
