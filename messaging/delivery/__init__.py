"""Outbound delivery: the journey of a queued message, one step per task run.

- `policy`: which way a message can go (SMS/MMS or email) is decided in `messaging.reach`;
- `sms`: the hand-over to Twilio, claimed first so a retry never sends twice;
- `status`: Twilio's status callbacks, forward only, with the fall-back to email;
- `email`: the email channel, and failing a message with its reason;
- `reconcile`: the sweeper on beat for work whose task was lost.
"""

from messaging.delivery.codes import (
    NOT_TEXTABLE_CODES,
    SMS_REASONS,
    STATUS_RANK,
    TWILIO_STATUS,
    sms_reason,
)
from messaging.delivery.email import (
    EMAIL_ATTACH_MAX_BYTES,
    email_delivery,
    fail_message,
    route_to_email,
    send_message_email,
)
from messaging.delivery.reconcile import reconcile_messages
from messaging.delivery.sms import LOST_AFTER, deliver_message, give_up_on_sms
from messaging.delivery.status import apply_status_callback
from messaging.reach import MMS_MAX_BYTES, MMS_MAX_FILES, MMS_TYPES, why_not_sms

__all__ = [
    "EMAIL_ATTACH_MAX_BYTES",
    "LOST_AFTER",
    "MMS_MAX_BYTES",
    "MMS_MAX_FILES",
    "MMS_TYPES",
    "NOT_TEXTABLE_CODES",
    "SMS_REASONS",
    "STATUS_RANK",
    "TWILIO_STATUS",
    "apply_status_callback",
    "deliver_message",
    "email_delivery",
    "fail_message",
    "give_up_on_sms",
    "reconcile_messages",
    "route_to_email",
    "send_message_email",
    "sms_reason",
    "why_not_sms",
]
