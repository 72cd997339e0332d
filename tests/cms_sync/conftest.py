from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.dns import FakeDns


@pytest.fixture
def loopback_webhooks(settings: Any) -> None:
    """Let webhooks reach this machine over plain http, as the tests' receivers need. Production
    allows neither (no private network by default, http only with DEBUG on); the attack tests
    run without this."""
    settings.WEBHOOK_ALLOW_PLAIN_HTTP = True
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return FakeDns().install(monkeypatch)
