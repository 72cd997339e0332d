"""The signed JSON webhook adapter: one POST per outbox entry.

Body: JSON. Headers: X-Hona-Signature = "sha256=" + HMAC-SHA256(secret, raw body) in hex, and
Idempotency-Key = the entry's unique key, so a receiver that sees a retry can ignore it.

The POST goes through hona.net: the URL is checked again at each send (https, public addresses
only), the connection goes to the address that was checked, and a redirect is a refusal. What a
firm admin reads about a failure is "could not be reached" or the HTTP status, never more, so the
integration page cannot be used to probe which hosts and ports answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cms_sync.errors import FilingError, FilingRejected, FilingUnavailable, for_status
from hona import net

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
        response = net.post_to_webhook(url, body, headers, timeout=TIMEOUT)
    except net.UnsafeUrl as error:
        code = FilingError.HOST_UNKNOWN if error.host_unknown else FilingError.UNSAFE_URL
        raise FilingRejected(f"Not sent: {error}", code=code) from None
    except net.Unreachable as error:
        code = FilingError.TLS if error.tls else FilingError.UNREACHABLE
        raise FilingUnavailable(str(error), code=code) from None
    status = response.status
    if 300 <= status < 400:
        raise FilingRejected(
            f"The webhook answered HTTP {status} (a redirect). Hona does not follow redirects.",
            code=FilingError.REDIRECT,
        )
    if status == 429 or status >= 500:
        raise FilingUnavailable(
            f"The webhook answered {status}.",
            code=FilingError.RATE_LIMITED if status == 429 else FilingError.SERVER_ERROR,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 400:
        raise FilingRejected(f"The webhook refused the entry ({status}).", code=for_status(status))
    try:
        answer = json.loads(response.content or b"{}")
    except ValueError:
        answer = {}
    return str(answer.get("id") or key) if isinstance(answer, dict) else key


def _retry_after(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
