"""The sweeper on beat: work whose task was lost goes back to the queue.

Work that never reached a worker (the broker down when it was enqueued, a worker killed) is found
by its state in the database: queued texts are sent (once all their files are in), emails waiting
for their task are sent, MMS files never fetched are fetched, and texts Twilio took but never
reported on are asked about by their id (status callbacks can be lost too). Safe to repeat: every
step checks the state first.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from messaging import tasks
from messaging.delivery.status import apply_status_callback
from messaging.models import InboundMedia, Message
from messaging.sms import get_backend

STUCK_AFTER = datetime.timedelta(minutes=2)
EMAIL_STUCK_AFTER = datetime.timedelta(minutes=30)  # past the email task's own retries
MEDIA_STUCK_AFTER = datetime.timedelta(minutes=15)  # past the media task's own retries
UNCONFIRMED_AFTER = datetime.timedelta(minutes=10)


def reconcile_messages(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Catch up on messages stuck on their way; returns how many were acted on."""
    now = now or timezone.now()
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND, provider_sid="")
    waiting = outbound.filter(
        status__in=[Message.Status.QUEUED, Message.Status.SENDING],
        channel=Message.Channel.PENDING,
        media_pending=0,  # still gathering its files (documents from the case): not ready
        status_changed_at__lt=now - STUCK_AFTER,
    ).values_list("pk", flat=True)[:limit]
    emails = outbound.filter(
        status=Message.Status.SENDING,
        channel=Message.Channel.EMAIL,
        status_changed_at__lt=now - EMAIL_STUCK_AFTER,
    ).values_list("pk", flat=True)[:limit]
    unconfirmed = (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.SENDING,
            channel__in=[Message.Channel.SMS, Message.Channel.MMS],
            status_changed_at__lt=now - UNCONFIRMED_AFTER,
        )
        .exclude(provider_sid="")
        .values_list("provider_sid", flat=True)[:limit]
    )
    media = (
        InboundMedia.objects.filter(
            attachment__isnull=True,
            failed=False,
            message__created_at__lt=now - MEDIA_STUCK_AFTER,
        )
        .values_list("message_id", flat=True)
        .distinct()[:limit]
    )
    count = 0
    backend = get_backend()
    for sid in unconfirmed:
        found = backend.fetch_status(sid)
        if found is not None and found[0] not in {"queued", "accepted", "sending", "scheduled"}:
            apply_status_callback(sid=sid, status=found[0], error_code=found[1])
            count += 1
    for message_id in waiting:
        tasks.deliver_message.delay(message_id)
        count += 1
    for message_id in emails:
        tasks.email_message.delay(message_id)
        count += 1
    for message_id in media:
        tasks.fetch_inbound_media.delay(message_id)
        count += 1
    return count
