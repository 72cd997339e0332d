"""Clio Manage API v4: OAuth tokens, communications and documents on a matter.

Every request takes a slot of the token's rate (50 per minute by default, shared by all workers
through Redis), refreshes the access token shortly before it expires, and turns Clio's answers
into FilingUnavailable (try later: 429 with Retry-After, 5xx, timeouts) or FilingRejected.
A token Clio no longer accepts marks the integration "token expired" with a clear message.

The token goes only to CLIO_BASE_URL's exact scheme, host and port (issue #10): a full URL (a
next-page link from Clio's answer) is checked with hona.net and rebuilt on that origin, and no
redirect is followed with the token (see clio_documents for downloads).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from cms_sync.crypto import decrypt, encrypt
from cms_sync.errors import FilingError, FilingRejected, FilingUnavailable, for_status
from cms_sync.models import Integration
from hona.net import UnsafeUrl, on_origin
from hona.ratelimit import reserve_slot

logger = logging.getLogger(__name__)

API = "/api/v4"
TIMEOUT = 20
REFRESH_BEFORE = datetime.timedelta(days=1)
REFUSED_URL = "Hona refused to send Clio's token to an address that is not Clio's."
EXPIRED_MESSAGE = (
    "Clio no longer accepts Hona's access (the connection was revoked or expired). "
    "A firm admin needs to connect Clio again under Settings, Integration."
)


def authorize_url(state: str, redirect_uri: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.CLIO_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{settings.CLIO_BASE_URL}/oauth/authorize?{query}"


def _token_request(data: dict[str, str]) -> dict[str, Any]:
    try:
        response = requests.post(
            f"{settings.CLIO_BASE_URL}/oauth/token",
            data={
                "client_id": settings.CLIO_CLIENT_ID,
                "client_secret": settings.CLIO_CLIENT_SECRET,
                **data,
            },
            timeout=TIMEOUT,
            allow_redirects=False,  # a 307 would carry the client secret along
        )
    except requests.RequestException as error:
        raise FilingUnavailable(f"Clio could not be reached ({type(error).__name__}).") from None
    if response.status_code >= 500:
        raise FilingUnavailable(
            f"Clio answered {response.status_code}.", code=FilingError.SERVER_ERROR
        )
    if response.status_code != 200:
        raise FilingRejected(EXPIRED_MESSAGE, code=FilingError.TOKEN_EXPIRED)
    payload: dict[str, Any] = response.json()
    return payload


def store_tokens(integration: Integration, payload: dict[str, Any]) -> None:
    integration.access_token_encrypted = encrypt(str(payload["access_token"]))
    if payload.get("refresh_token"):
        integration.refresh_token_encrypted = encrypt(str(payload["refresh_token"]))
    lifetime = int(payload.get("expires_in") or 2_592_000)
    integration.token_expires_at = timezone.now() + datetime.timedelta(seconds=lifetime)


def exchange_code(code: str, redirect_uri: str) -> dict[str, Any]:
    return _token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    )


class ClioClient:
    def __init__(self, integration: Integration) -> None:
        self.integration = integration

    # --- tokens and requests -----------------------------------------------------------------

    def _refresh(self) -> None:
        refresh_token = decrypt(self.integration.refresh_token_encrypted)
        if not refresh_token:
            self._expired()
        try:
            payload = _token_request(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
        except FilingRejected:
            self._expired()
        store_tokens(self.integration, payload)
        self.integration.save(
            update_fields=["access_token_encrypted", "refresh_token_encrypted", "token_expires_at"]
        )

    def _expired(self) -> None:
        Integration.objects.filter(pk=self.integration.pk).update(
            status=Integration.Status.TOKEN_EXPIRED, status_reason=EXPIRED_MESSAGE
        )
        self.integration.status = Integration.Status.TOKEN_EXPIRED
        raise FilingRejected(EXPIRED_MESSAGE, code=FilingError.TOKEN_EXPIRED)

    def _wait_for_slot(self) -> None:
        # One budget per token, whichever worker spends it.
        key = (
            "clio:"
            + hashlib.sha256(self.integration.access_token_encrypted.encode()).hexdigest()[:16]
        )
        rate = settings.CLIO_REQUESTS_PER_MINUTE / 60
        wait = reserve_slot(key, rate, max_wait=5.0)
        if wait < 0:
            raise FilingUnavailable(
                "Waiting for Clio's rate limit.", code=FilingError.RATE_LIMITED, retry_after=-wait
            )
        time.sleep(wait)

    def url_for(self, path: str) -> str:
        """The URL for an API path ("/documents.json"), or a full URL checked to be on
        CLIO_BASE_URL's exact origin and under the API. Raises FilingRejected otherwise."""
        if path.startswith("/") and not path.startswith("//"):
            return f"{settings.CLIO_BASE_URL}{API}{path}"
        try:
            url = on_origin(path, settings.CLIO_BASE_URL)
        except UnsafeUrl:
            url = ""
        if not urlsplit(url).path.startswith(f"{API}/"):
            logger.warning("Refused a Clio request to %r: not on %s", path[:200], API)
            raise FilingRejected(REFUSED_URL, code=FilingError.URL_REFUSED)
        return url

    def send(
        self, method: str, path: str, *, timeout: float = TIMEOUT, **kwargs: Any
    ) -> requests.Response:
        """One authorised request to Clio (refreshing the token once on a 401), redirects not
        followed. Raises FilingUnavailable on 429, 5xx and network errors."""
        url = self.url_for(path)  # before the token is read: a refused URL never sees it
        expires = self.integration.token_expires_at
        if expires is not None and expires - timezone.now() < REFRESH_BEFORE:
            self._refresh()
        response = self._send_once(method, url, timeout, kwargs)
        if response.status_code == 401:
            self._refresh()
            response = self._send_once(method, url, timeout, kwargs)
        if response.status_code == 401:
            self._expired()
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After")
            raise FilingUnavailable(
                "Clio asked us to slow down (429).",
                code=FilingError.RATE_LIMITED,
                retry_after=float(retry_after) if retry_after and retry_after.isdigit() else 60.0,
            )
        if response.status_code >= 500:
            raise FilingUnavailable(
                f"Clio answered {response.status_code}.", code=FilingError.SERVER_ERROR
            )
        return response

    def _send_once(
        self, method: str, url: str, timeout: float, kwargs: dict[str, Any]
    ) -> requests.Response:
        self._wait_for_slot()
        headers = {
            "Authorization": f"Bearer {decrypt(self.integration.access_token_encrypted)}",
            "Accept": "application/json",
            "X-API-VERSION": "4.0.12",
        }
        try:
            return requests.request(
                method, url, headers=headers, timeout=timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            raise FilingUnavailable(
                f"Clio could not be reached ({type(error).__name__})."
            ) from None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Clio's JSON answer to one request."""
        response = self.send(method, path, **kwargs)
        if response.status_code >= 300:
            raise FilingRejected(clio_error(response), code=for_status(response.status_code))
        return response.json() if response.content else {}


def clio_error(response: requests.Response) -> str:
    try:
        detail = response.json().get("error", {}).get("message", "")
    except ValueError:
        detail = ""
    detail = str(detail).strip().rstrip(".")  # our sentence ends with its own full stop
    return f"Clio refused it ({response.status_code}){': ' + detail if detail else ''}."
