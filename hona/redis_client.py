"""One Redis client per process (and per timeout), for what talks to Redis outside Celery and
the cache: the send rates (hona.ratelimit) and live updates (hona.live)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

_lock = threading.Lock()
_clients: dict[tuple[str, float], Any] = {}


def shared_redis(*, socket_timeout: float) -> Any:
    """A client of REDIS_URL whose calls give up after `socket_timeout` seconds: a hung Redis
    raises instead of holding the caller, who retries later."""
    import redis

    key = (str(settings.REDIS_URL), socket_timeout)
    with _lock:
        if key not in _clients:
            _clients[key] = redis.Redis.from_url(
                key[0], socket_timeout=socket_timeout, socket_connect_timeout=2
            )
        return _clients[key]
