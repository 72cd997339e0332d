"""Rate limits key on the client's address, which a client must not be able to choose."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory

from hona.throttle import client_ip
from messaging.models import Contact
from messaging.portal import portal_url

ROOT = Path(__file__).resolve().parents[2]


def test_with_no_proxy_configured_a_rotating_forwarded_header_is_still_one_client(
    client: Client, contact: Contact
) -> None:
    """The attack: a new X-Forwarded-For on every request used to get a fresh budget."""
    link = portal_url(contact).removeprefix("http://127.0.0.1:8000")
    # The limit counts per minute: start early in one, so all 40 requests fall in it.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    answers = [
        client.get(link, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(40)
    ]
    assert answers[:30] == [302] * 30
    assert set(answers[30:]) == {429}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # nobody of ours in front: the socket's address
        (1, "198.51.100.7", "198.51.100.7"),  # our proxy wrote what it saw
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.7, 192.0.2.10", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # fewer hops than proxies: not believed
        (1, "", "10.0.0.2"),
    ],
)
def test_the_forwarded_header_is_believed_only_as_far_as_our_proxies(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_gunicorn_does_not_trust_forwarded_headers_from_anyone() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--forwarded-allow-ips" not in dockerfile or '"*"' not in dockerfile


def test_the_app_port_is_published_on_loopback_only() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    published = re.findall(r'^\s+- "([^"]*:8000)"$', compose, flags=re.MULTILINE)
    assert published == ["127.0.0.1:8000:8000"]
