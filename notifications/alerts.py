"""Emails to staff about new client messages: one per thread per burst, and digests.

A client's message (SMS, MMS or portal) opens a burst, or joins the open one, in the message's
own transaction (a row in PostgreSQL, nothing else). After commit a task is asked to send it once
the burst is complete (ALERT_COALESCE_SECONDS); a sweeper on beat sends any burst whose task was
lost. The task claims the burst in the database, emails each staff member in scope who asked for
emails and has not read the thread since, and records each one reached: a retry after a failure
emails only those not reached yet, and nobody twice.
"""

from __future__ import annotations

import datetime
import functools
import logging
import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from hona.models import User
from hona.queueing import enqueue_on_commit
from hona.sql import column, table
from hona.text import one_line
from messaging import events
from messaging.models import Message, Thread, UnreadThread
from notifications import tasks
from notifications.models import AlertBurst, NotificationSettings
from notifications.queries import notification_setting, scoped_unread

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=2)  # longer than emailing one thread's staff takes
MAX_ATTEMPTS = 8
SWEEP_AFTER = datetime.timedelta(minutes=2)  # a burst this late was never sent by its task


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
    """A client's message was stored: open this thread's burst, or join the open one.

    Runs in the message's transaction and writes one row at most; the task is queued on commit.
    """
    if thread.is_spam:
        return
    delay = settings.ALERT_COALESCE_SECONDS
    if _open_burst(thread.pk, due_at=timezone.now() + datetime.timedelta(seconds=delay)):
        enqueue_on_commit(tasks.send_thread_alerts, thread.pk, countdown=delay)


@functools.cache
def _open_burst_sql() -> str:
    names = ("thread", "opened_at", "due_at", "attempts", "sent_to", "gave_up")
    columns = ", ".join(column(AlertBurst, name) for name in names)
    return (
        f"INSERT INTO {table(AlertBurst)} ({columns}) "  # noqa: S608 - model names
        "VALUES (%s, %s, %s, 0, '[]', false) ON CONFLICT DO NOTHING RETURNING 1"
    )


def _burst_member() -> str:
    names = ("thread", "opened_at", "due_at", "attempts", "sent_to", "gave_up")
    columns = ", ".join(column(AlertBurst, name) for name in names)
    spam, thread = column(Thread, "is_spam"), column(Thread, "id")
    return (
        f"INSERT INTO {table(AlertBurst)} ({columns}) "  # noqa: S608 - model names
        f"SELECT t.{thread}, %(alert_opened)s, %(alert_due)s, 0, '[]', false FROM t, m "
        f"WHERE NOT t.{spam} ON CONFLICT DO NOTHING RETURNING 1"
    )


def _burst_params(now: datetime.datetime) -> dict[str, object]:
    adapt = connection.ops.adapt_datetimefield_value
    due = now + datetime.timedelta(seconds=settings.ALERT_COALESCE_SECONDS)
    return {"alert_opened": adapt(now), "alert_due": adapt(due)}


def _burst_opened(opened: object, message: Message) -> None:
    enqueue_on_commit(
        tasks.send_thread_alerts, message.thread_id, countdown=settings.ALERT_COALESCE_SECONDS
    )


# `client_message_arrived` as a member of the statement that stores a known client's text.
IN_STATEMENT = events.InStatement(sql=_burst_member, params=_burst_params, committed=_burst_opened)


def _open_burst(thread_id: int, *, due_at: datetime.datetime) -> bool:
    """Open the thread's burst unless one is open already (its unique index): whether this did.

    One statement, INSERT … ON CONFLICT DO NOTHING RETURNING, as it is on every client text's
    path; a look first and a savepoint around the insert took four."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_open_burst_sql(), [thread_id, adapt(timezone.now()), adapt(due_at)])
        return cursor.fetchone() is not None


def _claim(thread_id: int) -> AlertBurst | None:
    """Take the thread's oldest unsent burst for this run, unless another run holds it."""
    now = timezone.now()
    with transaction.atomic():
        burst = (
            AlertBurst.objects.select_for_update(skip_locked=True)
            .filter(thread_id=thread_id, done_at__isnull=True)
            .order_by("opened_at", "pk")
            .first()
        )
        if burst is None or (burst.lease_until is not None and burst.lease_until > now):
            return None
        if burst.attempts >= MAX_ATTEMPTS:  # tried by task retries and sweeps alike: stop
            burst.done_at, burst.lease_until, burst.gave_up = now, None, True
            burst.save(update_fields=["done_at", "lease_until", "gave_up"])
            return None
        burst.claimed_at = burst.claimed_at or now
        burst.lease_until = now + LEASE
        burst.attempts += 1
        burst.save(update_fields=["claimed_at", "lease_until", "attempts"])
    return burst


def _recipients(thread: Thread, already: set[int]) -> list[tuple[User, list[Message]]]:
    unread = {
        row.user_id: row.since
        for row in UnreadThread.objects.filter(thread=thread).only("user_id", "since")
    }
    users = User.objects.filter(pk__in=unread, is_active=True).select_related(
        "notification_settings"
    )
    found = []
    for user in users:
        if user.pk in already or not user.email:
            continue
        if not notification_setting(user, "email_immediately"):
            continue
        assigned = set(user.assigned_projects.values_list("pk", flat=True))
        if not in_scope(user, thread, assigned):
            continue
        messages = list(
            Message.objects.filter(
                thread=thread, direction=Message.Direction.INBOUND, created_at__gte=unread[user.pk]
            ).order_by("created_at")[:10]
        )
        if messages:
            found.append((user, messages))
    return found


def send_thread_alerts(*, thread_id: int) -> int:
    """Email the thread's open burst to each staff member it concerns; returns how many now.

    Raises when the mail server fails, after recording whom it reached: the task retries.
    """
    burst = _claim(thread_id)
    if burst is None:
        return 0
    thread = (
        Thread.objects.select_related("contact", "current_project", "organization")
        .filter(pk=thread_id)
        .first()
    )
    sent_to = [int(pk) for pk in burst.sent_to]
    recipients = [] if thread is None or thread.is_spam else _recipients(thread, set(sent_to))
    link = settings.PUBLIC_BASE_URL + reverse("messaging:thread-detail", args=[thread_id])
    sent = 0
    try:
        for user, messages in recipients:
            assert thread is not None
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
            sent_to.append(user.pk)
            sent += 1
            AlertBurst.objects.filter(pk=burst.pk).update(sent_to=sent_to)
    except Exception:
        # Whom it reached is kept; let the next attempt go at once, without waiting for the lease.
        AlertBurst.objects.filter(pk=burst.pk).update(lease_until=None)
        raise
    AlertBurst.objects.filter(pk=burst.pk).update(done_at=timezone.now(), lease_until=None)
    return sent


def give_up_on_alerts(*, thread_id: int, error: str) -> None:
    """The mail server stayed unavailable through every retry: stop, and say so in the log."""
    logger.warning("Gave up the alert email of thread %s: %s", thread_id, error)
    AlertBurst.objects.filter(thread_id=thread_id, done_at__isnull=True).update(
        done_at=timezone.now(), lease_until=None, gave_up=True
    )


def sweep_alerts(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Queue the bursts whose task never ran (the broker was down); returns how many."""
    now = now or timezone.now()
    late = (
        AlertBurst.objects.filter(done_at__isnull=True, due_at__lt=now - SWEEP_AFTER)
        .exclude(lease_until__gt=now)
        .values_list("thread_id", flat=True)
        .distinct()[:limit]
    )
    thread_ids = list(late)
    for thread_id in thread_ids:
        tasks.send_thread_alerts.delay(thread_id)
    return len(thread_ids)


def _local_now(user: User, now: datetime.datetime) -> datetime.datetime:
    zone = user.organization.timezone if user.organization else settings.TIME_ZONE
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def _claim_digest(
    row: NotificationSettings, *, daily: bool, weekly: bool, day: datetime.date
) -> bool:
    """Mark today's digest as this run's before sending it: a second beat run finds it taken."""
    unchanged = NotificationSettings.objects.filter(
        pk=row.pk,
        last_daily_digest_on=row.last_daily_digest_on,
        last_weekly_digest_on=row.last_weekly_digest_on,
    )
    if row.last_daily_digest_on is None:
        unchanged = unchanged.filter(last_daily_digest_on__isnull=True)
    if row.last_weekly_digest_on is None:
        unchanged = unchanged.filter(last_weekly_digest_on__isnull=True)
    marks = {}
    if daily:
        marks["last_daily_digest_on"] = day
    if weekly:
        marks["last_weekly_digest_on"] = day
    return unchanged.update(**marks, updated_at=timezone.now()) == 1


def send_due_digests(*, now: datetime.datetime | None = None) -> int:
    """Daily and weekly digests whose time has come in each firm's time zone; returns how many.

    Each is claimed in the database before it is sent, so beat running twice sends it once; one
    the mail server refused is released again and goes at the next run.
    """
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
        if not _claim_digest(row, daily=daily, weekly=weekly, day=local.date()):
            continue  # another run of beat has it
        user.notification_settings = row
        threads = list(
            Thread.objects.filter(pk__in=scoped_unread(user).values("thread_id"))
            .select_related("contact", "current_project")
            .order_by("-last_message_at")[:50]
        )
        if not threads:
            continue
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
        subject = f"{kind} digest: {count} unread conversation{'s' if count != 1 else ''}"
        try:
            send_mail(subject, body, None, [user.email])
        except Exception as error:
            logger.warning("Digest for user %s not sent, tried again later: %r", user.pk, error)
            NotificationSettings.objects.filter(pk=row.pk).update(
                last_daily_digest_on=row.last_daily_digest_on,
                last_weekly_digest_on=row.last_weekly_digest_on,
            )
            continue
        sent += 1
    return sent
