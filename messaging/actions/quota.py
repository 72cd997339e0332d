"""Each staff member's hourly quota of new conversations and messages, set per firm."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from hona.models import User
from messaging.models import (
    Contact,
    Message,
)

QUOTA_WINDOW = datetime.timedelta(hours=1)


class QuotaReached(ValidationError):
    """A staff member reached their firm's hourly quota; nothing was stored."""


def check_staff_quota(*, user: User, new_conversation: bool = False) -> None:
    """Each person's hourly quota, per firm: a busy desk never meets it, a script does.

    Counted from the database in the caller's transaction, with the user's row locked so two
    requests of one person cannot both take the last place.
    """
    firm = user.organization
    if firm is None:
        raise ValidationError("Only a firm's staff can send messages.")
    User.objects.select_for_update().filter(pk=user.pk).exists()
    since = timezone.now() - QUOTA_WINDOW
    if new_conversation:
        limit, what = firm.new_conversations_per_hour, "new conversations"
        used = Contact.objects.filter(created_by=user, created_at__gte=since).count()
    else:
        limit, what = firm.messages_per_hour, "messages"
        used = Message.objects.filter(sender=user, created_at__gte=since).for_client().count()
    if limit and used >= limit:
        raise QuotaReached(
            f"You have sent {used} {what} in the last hour, the most {firm.name} allows one "
            "person. Please wait a little, or ask a firm admin to raise the limit.",
            code="quota",
        )
