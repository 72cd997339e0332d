"""Notices to staff by email: queued after commit, sent once, retried, swept up if lost."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from hona.text import one_line
from notifications import tasks
from notifications.models import Notification

logger = logging.getLogger(__name__)

SWEEP_AFTER = datetime.timedelta(minutes=5)  # a notice still waiting this long lost its task
MAX_ATTEMPTS = 8


def send_notification_email(*, notification_id: int) -> None:
    """Email one notice to its staff member, unless it went already. Raises OSError to retry."""
    notification = (
        Notification.objects.select_related("user", "thread__contact")
        .filter(pk=notification_id, email=Notification.Email.PENDING)
        .first()
    )
    if notification is None:
        return
    Notification.objects.filter(pk=notification_id).update(
        email_attempts=notification.email_attempts + 1
    )
    if not notification.user.email:
        Notification.objects.filter(pk=notification_id).update(email=Notification.Email.NONE)
        return
    link = (
        settings.PUBLIC_BASE_URL + notification.get_absolute_url() if notification.thread_id else ""
    )
    body = render_to_string(
        "notifications/email/notification.txt", {"notification": notification, "link": link}
    )
    send_mail(one_line(notification.title), body, None, [notification.user.email])
    Notification.objects.filter(pk=notification_id).update(email=Notification.Email.SENT)


def give_up_on_notification_email(*, notification_id: int, error: BaseException) -> None:
    logger.warning("Gave up emailing notification %s: %r", notification_id, error)
    Notification.objects.filter(pk=notification_id, email=Notification.Email.PENDING).update(
        email=Notification.Email.GAVE_UP
    )


def sweep_notification_emails(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Queue the notice emails whose task never ran; returns how many."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        email=Notification.Email.PENDING, created_at__lt=now - SWEEP_AFTER
    )
    Notification.objects.filter(
        pk__in=waiting.filter(email_attempts__gte=MAX_ATTEMPTS).values("pk")
    ).update(email=Notification.Email.GAVE_UP)
    ids = list(waiting.filter(email_attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True)[:limit])
    for notification_id in ids:
        tasks.email_notification.delay(notification_id)
    return len(ids)
