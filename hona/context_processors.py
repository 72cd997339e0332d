from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hona.models import User


def live(request: HttpRequest) -> dict[str, Any]:
    """How often a page polls while its live stream is down (includes/live_status.html)."""
    return {"live_poll_seconds": settings.LIVE_POLL_SECONDS}


def shell(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's firm, for the top bar."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or user.organization is None:
        return {}
    return {"firm": user.organization, "dev_tools": settings.DEBUG}
