from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from hona.models import User
from notifications.queries import badge_counts, notification_setting


def unread_badge(request: HttpRequest) -> dict[str, Any]:
    """This user's unread threads and notices: one query, run only if a template shows them."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or user.organization_id is None:
        return {}
    counts = cache(lambda: badge_counts(user))
    return {
        "unread_count": SimpleLazyObject(lambda: counts()[0]),
        "notice_count": SimpleLazyObject(lambda: counts()[1]),
        "unread_outside_count": SimpleLazyObject(lambda: counts()[2]),
        # Loaded with the user (no query): invite a new user to check their settings.
        "show_settings_banner": notification_setting(user, "saved_at") is None
        and notification_setting(user, "welcome_dismissed_at") is None,
    }
