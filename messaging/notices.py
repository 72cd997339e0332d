"""Automated notices to clients (not two-way messages): a fresh portal link, for now.

They follow the contact's notification preference (SMS, email or both) and are sent by a task.
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import send_mail

from hona.text import one_line
from messaging.models import Contact
from messaging.portal import portal_url
from messaging.sms import OutgoingSms, SmsRejected, SmsUnavailable, get_backend

logger = logging.getLogger(__name__)


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


def send_fresh_portal_link(*, contact: Contact) -> str | None:
    """Queue a new link to the phone or email on file; say where it goes (None: nowhere)."""
    from messaging.tasks import send_portal_link

    channels = notice_channels(contact)
    if not channels:
        return None
    send_portal_link.delay(contact.pk)
    return channels[0]


def deliver_portal_link(*, contact_id: int) -> None:
    contact = Contact.objects.select_related("organization").filter(pk=contact_id).first()
    if contact is None:
        return
    firm = contact.organization
    url = portal_url(contact)
    text = f"{firm.name}: here is your new link to your conversation with us: {url}"
    for channel in notice_channels(contact):
        if channel == "sms":
            try:
                get_backend().send(OutgoingSms(to=contact.phone, from_=firm.sms_number, body=text))
            except (SmsRejected, SmsUnavailable) as error:
                logger.warning("Portal link by SMS to contact %s failed: %s", contact.pk, error)
                continue
        else:
            _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
            send_mail(
                one_line(f"Your link to {firm.name}"),
                f"Hi {contact.name},\n\n{text}\n\nThis link is personal to you; please do not "
                "share it.\n",
                formataddr((one_line(firm.name), address)),
                [contact.email],
            )
