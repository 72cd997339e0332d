"""A small fixed-window rate limit on the cache (Redis in production, shared by all web workers).

When the cache cannot be reached the limit lets the request through (and says so in the log):
rate-limit bookkeeping must never stop a client's message from being stored. After a failure the
cache is left alone for CACHE_PAUSE seconds, so a hung Redis costs one timeout, not one per check.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

CACHE_PAUSE = 10.0
_cache_down_until = 0.0  # this process's view, on the monotonic clock


def allow(key: str, *, limit: int, window: int, cost: int = 1) -> bool:
    """Count `cost` hits on `key` (files, bytes…); False once they pass `limit` in this window."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return True
    try:
        return _count(f"throttle:{key}:{int(time.time() // window)}", limit, window, cost)
    except Exception as error:  # Redis down or unreachable: fail open
        _cache_down_until = time.monotonic() + CACHE_PAUSE
        logger.warning("Rate limit %s not counted, the cache is unavailable: %r", key, error)
        return True


def _count(bucket: str, limit: int, window: int, cost: int) -> bool:
    if cache.add(bucket, cost, timeout=window + 5):
        return cost <= limit
    try:
        hits = cache.incr(bucket, cost)
    except ValueError:  # expired between add and incr
        cache.add(bucket, cost, timeout=window + 5)
        return cost <= limit
    return hits <= limit


def client_ip(request: HttpRequest) -> str:
    """The address the request came from.

    Only the proxies we run are believed: with TRUSTED_PROXY_COUNT proxies in front, each appends
    the address it saw to X-Forwarded-For, so the client is that many entries from the right.
    Anything further left was written by the client and is ignored; with no proxy configured (the
    default) the header is ignored altogether and the socket's address is used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        chain = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [hop for hop in chain if hop]
        if len(chain) >= proxies:
            return chain[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")
