"""A small fixed-window rate limit on the cache (Redis in production, shared by all web workers)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def allow(key: str, *, limit: int, window: int, cost: int = 1) -> bool:
    """Count `cost` hits on `key` (files, bytes…); False once they pass `limit` in this window."""
    bucket = f"throttle:{key}:{int(time.time() // window)}"
    if cache.add(bucket, cost, timeout=window + 5):
        return cost <= limit
    try:
        hits = cache.incr(bucket, cost)
    except ValueError:  # expired between add and incr
        cache.add(bucket, cost, timeout=window + 5)
        return cost <= limit
    return hits <= limit


def client_ip(request: HttpRequest) -> str:
    """The address the request came from (the proxy's X-Forwarded-For when one is in front)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", "unknown"))
