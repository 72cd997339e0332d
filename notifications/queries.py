"""Reads for the badge and the notification center, always one user's own."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from hona.models import User
from messaging.queries import scoped_unread
from notifications.models import Notification


def _count(queryset: object) -> Coalesce:
    counted = (
        queryset.values("user")  # type: ignore[attr-defined]
        .annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def badge_counts(user: User) -> tuple[int, int]:
    """(unread threads, unread notices) in one query: two index-only counts."""
    threads = scoped_unread(user).filter(user=OuterRef("pk"))
    notices = Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(threads=_count(threads), notices=_count(notices))
        .values_list("threads", "notices")
        .get()
    )
    return int(row[0]), int(row[1])


def unread_notices(user: User, *, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("thread__contact")
        .order_by("-created_at", "-pk")[:limit]
    )
