"""The signed JSON webhook adapter: one POST per outbox entry.

Body: JSON. Headers: X-Hona-Signature = "sha256=" + HMAC-SHA256(secret, raw body) in hex, and
Idempotency-Key = the entry's unique key, so a receiver that sees a retry can ignore it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import requests

from cms_sync.errors import FilingRejected, FilingUnavailable

TIMEOUT = 15


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, secret: str, key: str, payload: dict[str, Any]) -> str:
    """Deliver one entry; returns the receiver's id for it (or the key when it gives none)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hona-Signature": sign(secret, body),
        "Idempotency-Key": key,
        "User-Agent": "Hona-Messaging/1",
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise FilingUnavailable(
            f"The webhook could not be reached ({type(error).__name__})."
        ) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise FilingUnavailable(
            f"The webhook answered {response.status_code}.",
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    if response.status_code >= 400:
        raise FilingRejected(f"The webhook refused the entry ({response.status_code}).")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return str(answer.get("id") or key) if isinstance(answer, dict) else key


def _retry_after(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
