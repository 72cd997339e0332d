"""Reads for the badge, its list and the notification center, always one user's own; and the
scope each user's notification settings give their unread threads (alerts and digests too)."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

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


def _count(queryset: object) -> Coalesce:
    counted = (
        queryset.values("user")  # type: ignore[attr-defined]
        .annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class BadgeCounts(NamedTuple):
    threads: int  # unread threads within the user's notification scope: the badge's number
    notices: int
    outside: int  # unread threads the scope leaves out: they have a dot in the list, not a count


def badge_counts(user: User) -> BadgeCounts:
    """The badge's numbers in one query: three index-only counts."""
    threads = scoped_unread(user).filter(user=OuterRef("pk"))
    every = UnreadThread.objects.filter(user=OuterRef("pk"))
    notices = Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(threads=_count(threads), notices=_count(notices), every=_count(every))
        .values_list("threads", "notices", "every")
        .get()
    )
    scoped, every_unread = int(row[0]), int(row[2])
    return BadgeCounts(scoped, int(row[1]), max(every_unread - scoped, 0))


def unread_notices(user: User, *, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("thread__contact")
        .order_by("-created_at", "-pk")[:limit]
    )
