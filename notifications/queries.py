"""Reads for the badge, its list and the notification center, always one user's own; and the
scope each user's notification settings give their unread threads (alerts and digests too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from hona.models import User
from messaging.models import Thread, UnreadThread
from notifications.models import Notification, NotificationSettings
from projects.models import Project


def notification_setting(user: User, name: str) -> Any:
    """One of the user's own notification settings, or its default when they never saved any.

    The sign-in backend loads the settings with the user, so this costs no query.
    """
    try:
        settings_row = user.notification_settings
    except NotificationSettings.DoesNotExist:
        return getattr(NotificationSettings(), name)  # the defaults, without a query
    return getattr(settings_row, name)


def scoped_unread(user: User) -> QuerySet[UnreadThread]:
    """This user's unread threads within the scope their notification settings choose.

    Applied when reading, so narrowing the scope, flagging a thread or changing its project
    takes effect at once. In-app notifications off, or scope "none": nothing counts.
    """
    rows = UnreadThread.objects.filter(user=user)
    scope = notification_setting(user, "scope")
    if not notification_setting(user, "in_app") or scope == "none":
        return rows.none()
    if scope == "assigned":
        # A small IN list of the user's projects beats joining the staff of every project.
        mine = Project.assigned_staff.through.objects.filter(user_id=user.pk).values("project_id")
        return rows.filter(Q(thread_project_id__isnull=True) | Q(thread_project_id__in=mine))
    if scope == "flagged":
        return rows.filter(thread_flagged=True)
    return rows


def unread_thread_count(user: User) -> int:
    """The badge: one count of this user's unread rows, within their scope."""
    return scoped_unread(user).count()


def unread_threads_for_badge(user: User, *, limit: int = 20) -> list[Thread]:
    """The badge's list: this user's unread threads, newest first, with project and contact."""
    return list(
        Thread.objects.for_user(user)
        .filter(pk__in=scoped_unread(user).values("thread_id"))
        .select_related("contact", "current_project")
        .order_by("-last_message_at", "-pk")[:limit]
    )


class BadgeCounts(NamedTuple):
    threads: int  # unread threads within the user's notification scope: the badge's number
    notices: int
    outside: int  # unread threads the scope leaves out: they have a dot in the list, not a count


def _scope_condition(user: User) -> tuple[str, list[Any]] | None:
    """scoped_unread's scope as SQL on the unread table's columns; None when nothing counts."""
    scope = notification_setting(user, "scope")
    if not notification_setting(user, "in_app") or scope == "none":
        return None
    if scope == "assigned":
        staff = Project.assigned_staff.through._meta.db_table
        return (
            f"(thread_project_id IS NULL OR thread_project_id IN "  # noqa: S608 - our table
            f"(SELECT project_id FROM {staff} WHERE user_id = %s))",
            [user.pk],
        )
    if scope == "flagged":
        return "thread_flagged", []
    return "TRUE", []


def badge_columns(user: User) -> dict[str, RawSQL]:
    """The badge's three numbers as uncorrelated subqueries, index-only counts of the user's own
    rows: selected alone by badge_counts, or beside another screen's query (the Conversations
    list brings them along), so the badge costs no query of its own there.

    Written as SQL because they run on every page and every live update of every screen: the
    ORM took 3.5 ms to build them (nested subqueries) for 0.5 ms of PostgreSQL's time.
    tests/notifications/test_badge.py holds them to scoped_unread for every scope."""
    unread = UnreadThread._meta.db_table
    notices = Notification._meta.db_table
    scope = _scope_condition(user)
    condition, scope_params = scope if scope is not None else ("FALSE", [])
    # Table names from our models; every value is a parameter.
    every = f"SELECT count(*) FROM {unread} WHERE user_id = %s"  # noqa: S608
    notices_sql = f"SELECT count(*) FROM {notices} WHERE user_id = %s AND read_at IS NULL"  # noqa: S608
    return {
        "badge_threads": RawSQL(f"{every} AND {condition}", [user.pk, *scope_params]),  # noqa: S611
        "badge_every": RawSQL(every, [user.pk]),  # noqa: S611
        "badge_notices": RawSQL(notices_sql, [user.pk]),  # noqa: S611
    }


def badge_counts_of(values: Mapping[str, Any]) -> BadgeCounts:
    """The numbers from a row that selected badge_columns."""
    scoped, every = int(values["badge_threads"]), int(values["badge_every"])
    return BadgeCounts(scoped, int(values["badge_notices"]), every - scoped)


def badge_counts(user: User) -> BadgeCounts:
    """The badge's numbers in one statement."""
    columns = badge_columns(user)
    sql = "SELECT " + ", ".join(f"({column.sql})" for column in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for column in columns.values() for value in column.params])
        row = cursor.fetchone()
    return badge_counts_of(dict(zip(columns, row, strict=True)))


def unread_notices(user: User, *, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("thread__contact")
        .order_by("-created_at", "-pk")[:limit]
    )
