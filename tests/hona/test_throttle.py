"""Rate limits count on the cache, and never stop a request when the cache is down."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from hona import throttle
from hona.throttle import allow


@pytest.fixture(autouse=True)
def _cache_believed_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "_cache_down_until", 0.0)


def test_a_rate_limit_counts_hits_in_its_window() -> None:
    assert [allow("t:count", limit=2, window=60) for _ in range(3)] == [True, True, False]


def test_a_rate_limit_lets_requests_through_when_the_cache_cannot_be_reached(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    assert all(allow("t:down", limit=1, window=60) for _ in range(3))
    # One warning: after a failure the cache is left alone for a while.
    assert caplog.text.count("the cache is unavailable") == 1
