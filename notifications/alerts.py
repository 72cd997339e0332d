"""Emails to staff about new client messages: one per thread per burst, and digests.

A client's message (SMS, MMS or portal) starts a short wait; messages arriving meanwhile join the
same email. Each staff member gets it only when the thread is within their scope, they asked for
emails, and they have not read the thread since. Never for contacts marked as spam.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from hona.models import User
from hona.text import one_line
from messaging.models import Message, Thread, UnreadThread
from messaging.queries import notification_setting, scoped_unread

logger = logging.getLogger(__name__)


def in_scope(user: User, thread: Thread, assigned_project_ids: set[int]) -> bool:
    scope = notification_setting(user, "scope")
    if scope == "all":
        return True
    if scope == "assigned":
        return (
            thread.current_project_id is None or thread.current_project_id in assigned_project_ids
        )
    if scope == "flagged":
        return thread.is_flagged
    return False


def client_message_arrived(*, thread: Thread) -> None:
    """Called when a client's message is stored: start (or join) this thread's burst."""
    from notifications.tasks import send_thread_alerts

    if thread.is_spam:
        return
    delay = settings.ALERT_COALESCE_SECONDS
    if cache.add(f"alert-burst:{thread.pk}", 1, timeout=delay + 60):
        thread_id = thread.pk
        transaction.on_commit(
            lambda: send_thread_alerts.apply_async((thread_id,), countdown=delay), robust=True
        )


def send_thread_alerts(*, thread_id: int) -> int:
    """Email each staff member in scope who has not read the thread; returns how many."""
    cache.delete(f"alert-burst:{thread_id}")
    thread = (
        Thread.objects.select_related("contact", "current_project", "organization")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or thread.is_spam:
        return 0
    unread = {
        row.user_id: row.since
        for row in UnreadThread.objects.filter(thread=thread).only("user_id", "since")
    }
    users = User.objects.filter(pk__in=unread, is_active=True).select_related(
        "notification_settings"
    )
    link = settings.PUBLIC_BASE_URL + reverse("messaging:thread-detail", args=[thread.pk])
    sent = 0
    for user in users:
        if not user.email or not notification_setting(user, "email_immediately"):
            continue
        assigned = set(user.assigned_projects.values_list("pk", flat=True))
        if not in_scope(user, thread, assigned):
            continue
        messages = list(
            Message.objects.filter(
                thread=thread, direction=Message.Direction.INBOUND, created_at__gte=unread[user.pk]
            ).order_by("created_at")[:10]
        )
        if not messages:
            continue
        about = thread.contact.name + (
            f" ({thread.current_project.name})" if thread.current_project else ""
        )
        body = render_to_string(
            "notifications/email/new_messages.txt",
            {
                "user": user,
                "thread": thread,
                "messages": messages,
                "link": link,
                "settings_url": settings.PUBLIC_BASE_URL + reverse("notifications:settings"),
            },
        )
        # Names are one line by validation; older rows must not stop the alert either.
        send_mail(one_line(f"New message from {about}"), body, None, [user.email])
        sent += 1
    return sent


def _local_now(user: User, now: datetime.datetime) -> datetime.datetime:
    zone = user.organization.timezone if user.organization else settings.TIME_ZONE
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def send_due_digests(*, now: datetime.datetime | None = None) -> int:
    """Daily and weekly digests whose time has come in each firm's time zone; returns how many."""
    from notifications.models import NotificationSettings

    now = now or timezone.now()
    due = NotificationSettings.objects.filter(user__is_active=True).filter(
        daily_digest=True
    ) | NotificationSettings.objects.filter(user__is_active=True, weekly_digest=True)
    sent = 0
    for row in due.select_related("user__organization"):
        user = row.user
        local = _local_now(user, now)
        if local.time() < row.daily_digest_time:
            continue
        daily = row.daily_digest and row.last_daily_digest_on != local.date()
        weekly = (
            row.weekly_digest and local.weekday() == 0 and row.last_weekly_digest_on != local.date()
        )
        if not (daily or weekly):
            continue
        user.notification_settings = row
        threads = list(
            Thread.objects.filter(pk__in=scoped_unread(user).values("thread_id"))
            .select_related("contact", "current_project")
            .order_by("-last_message_at")[:50]
        )
        if threads:
            body = render_to_string(
                "notifications/email/digest.txt",
                {
                    "user": user,
                    "threads": threads,
                    "base": settings.PUBLIC_BASE_URL,
                    "weekly": weekly and not daily,
                },
            )
            kind = "Daily" if daily else "Weekly"
            count = len(threads)
            send_mail(
                f"{kind} digest: {count} unread conversation{'s' if count != 1 else ''}",
                body,
                None,
                [user.email],
            )
            sent += 1
        if daily:
            row.last_daily_digest_on = local.date()
        if weekly:
            row.last_weekly_digest_on = local.date()
        row.save(update_fields=["last_daily_digest_on", "last_weekly_digest_on", "updated_at"])
    return sent
