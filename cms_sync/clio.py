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
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cms_sync.crypto import decrypt, encrypt
from cms_sync.errors import FilingError, FilingRejected, FilingUnavailable, for_status
from cms_sync.models import Integration, OutboxEntry
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

    # --- filing --------------------------------------------------------------------------------

    def file(self, entry: OutboxEntry) -> str:
        if entry.kind == OutboxEntry.Kind.FILE:
            return self.upload_document(entry)
        return self.create_communication(entry)

    def user_id(self) -> int:
        """The Clio user Hona files as (who connected it), looked up once and cached."""
        key = f"clio-user:{self.integration.pk}"
        found = cache.get(key)
        if found is None:
            answer = self.request("GET", "/users/who_am_i.json", params={"fields": "id"})
            found = answer["data"]["id"]
            cache.set(key, found, timeout=86400)
        return int(found)

    def matter_client_id(self, matter_id: str) -> int | None:
        """The matter's client contact in Clio (the other side of each communication)."""
        key = f"clio-matter-client:{self.integration.pk}:{matter_id}"
        found = cache.get(key)
        if found is None:
            answer = self.request(
                "GET", f"/matters/{matter_id}.json", params={"fields": "id,client{id}"}
            )
            found = (answer.get("data", {}).get("client") or {}).get("id") or 0
            cache.set(key, found, timeout=86400)
        return int(found) or None

    def create_communication(self, entry: OutboxEntry) -> str:
        message = entry.message
        contact = message.thread.contact
        medium = {"sms": "SMS", "mms": "MMS", "portal": "Portal message", "email": "Email"}.get(
            message.channel, "Message"
        )
        direction = "from" if message.is_inbound else "to"
        reference = f"[Hona {entry.key}]"
        if entry.attempts > 1:
            found = self.request(
                "GET",
                "/communications.json",
                params={"matter_id": entry.case_id, "query": reference, "fields": "id"},
            )
            if found.get("data"):
                return str(found["data"][0]["id"])
        if message.sender is not None:
            sender = message.sender.name
        else:  # the client, or for an automated notice (a new portal link) the firm itself
            sender = contact.name if message.is_inbound else message.organization.name
        body = f"{message.body}\n\n— {sender}\n{reference}".strip()
        kind = "EmailCommunication" if message.channel == "email" else "PhoneCommunication"
        data: dict[str, Any] = {
            "type": kind,
            "subject": f"{medium} {direction} {contact.name}",
            "body": body,
            "date": message.created_at.date().isoformat(),
            "received_at": message.created_at.isoformat(),
            "matter": {"id": _int(entry.case_id)},
        }
        firm_side = [{"type": "User", "id": self.user_id()}]
        client_id = self.matter_client_id(entry.case_id)
        client_side = [{"type": "Contact", "id": client_id}] if client_id else []
        data["senders"], data["receivers"] = (
            (client_side, firm_side) if message.is_inbound else (firm_side, client_side)
        )
        payload = {"data": data}
        created = self.request("POST", "/communications.json", json=payload)
        return str(created["data"]["id"])

    def _uploaded_before(self, entry: OutboxEntry, name: str) -> str:
        """The id of this file in the matter, uploaded in full since the entry was queued."""
        answer = self.request(
            "GET",
            "/documents.json",
            params={
                "matter_id": entry.case_id,
                "query": name,
                "fields": "id,name,created_at,latest_document_version{fully_uploaded}",
                "limit": 50,
            },
        )
        for document in answer.get("data", []):
            created = _parse_time(document.get("created_at"))
            complete = (document.get("latest_document_version") or {}).get("fully_uploaded")
            if (
                document.get("name") == name
                and complete
                and created is not None
                and created >= entry.created_at - datetime.timedelta(minutes=1)
            ):
                return str(document["id"])
        return ""

    def upload_document(self, entry: OutboxEntry) -> str:
        attachment = entry.attachment
        assert attachment is not None
        if entry.attempts > 1:
            # An earlier attempt may have finished at Clio while its answer was lost.
            found = self._uploaded_before(entry, attachment.filename)
            if found:
                return found
        created = self.request(
            "POST",
            "/documents.json",
            params={"fields": "id,latest_document_version{uuid,put_url,put_headers}"},
            json={
                "data": {
                    "name": attachment.filename,
                    "parent": {"id": _int(entry.case_id), "type": "Matter"},
                }
            },
        )
        document = created["data"]
        version = document["latest_document_version"]
        put_headers = {h["name"]: h["value"] for h in version.get("put_headers", [])}
        with attachment.file.open("rb") as handle:
            content = handle.read()
        try:
            upload = requests.put(version["put_url"], data=content, headers=put_headers, timeout=60)
        except requests.RequestException as error:
            raise FilingUnavailable(
                f"The upload to Clio failed ({type(error).__name__})."
            ) from None
        if upload.status_code >= 300:
            raise FilingUnavailable(
                f"Clio's file storage answered {upload.status_code}.",
                code=FilingError.SERVER_ERROR,
            )
        self.request(
            "PATCH",
            f"/documents/{document['id']}.json",
            json={"data": {"uuid": version["uuid"], "fully_uploaded": True}},
        )
        return str(document["id"])


def _parse_time(value: Any) -> datetime.datetime | None:
    parsed = parse_datetime(str(value or ""))
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _int(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def clio_error(response: requests.Response) -> str:
    try:
        detail = response.json().get("error", {}).get("message", "")
    except ValueError:
        detail = ""
    return f"Clio refused it ({response.status_code}){': ' + detail if detail else ''}."
