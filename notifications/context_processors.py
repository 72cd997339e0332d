from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from hona.models import User
from messaging.queries import unread_thread_count


def unread_badge(request: HttpRequest) -> dict[str, Any]:
    """This user's unread thread count, counted once and only when a template shows it."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or user.organization_id is None:
        return {}
    return {"unread_count": SimpleLazyObject(lambda: unread_thread_count(user))}
