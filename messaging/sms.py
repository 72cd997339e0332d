"""Sending SMS/MMS: one small interface, a backend per SMS_BACKEND.

`twilio` talks to Twilio's REST API through the official SDK (TWILIO_API_BASE_URL can point it at
any Twilio-compatible endpoint, such as the fake one the tests run on 127.0.0.1), `console` prints
each message (the embedded default) and `memory` keeps them in a list for unit tests.

A backend either returns a receipt (the provider accepted the message), raises SmsRejected (the
provider refused it and said why: never retried as is), or raises SmsUnavailable (try again later;
`ambiguous` when the provider may have accepted it before the answer was lost).
"""

from __future__ import annotations

import datetime
import logging
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

TWILIO_ORIGIN = "https://api.twilio.com"
LOOKUP_ORIGIN = "https://lookups.twilio.com"  # Lookup v2 has a host of its own
TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    from_: str
    body: str
    media_urls: list[str] = field(default_factory=list)
    status_callback: str = ""


@dataclass(frozen=True)
class SmsReceipt:
    sid: str
    status: str


class SmsRejected(Exception):
    """The provider refused the message for a reason that a retry will not change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class SmsUnavailable(Exception):
    """The provider could not take the message now (rate limit, outage, network)."""

    def __init__(
        self,
        message: str,
        *,
        ambiguous: bool,
        retry_in: float | None = None,
        slot: float | None = None,
    ) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.retry_in = retry_in  # set when our own rate limit, not a failure, says "later"
        self.slot = slot  # the number's slot reserved for this message, due in retry_in seconds


class SmsBackend(Protocol):
    def send(self, sms: OutgoingSms) -> SmsReceipt: ...

    def fetch_status(self, sid: str) -> tuple[str, str] | None:
        """(status, error code) the provider has for a message now, if it can tell."""
        ...

    def find_sent(self, sms: OutgoingSms, since: datetime.datetime) -> str | None:
        """The id of a message the provider already accepted with this content, if any."""
        ...


class ConsoleBackend:
    """Prints each SMS; the message counts as sent."""

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        lines = [f"SMS from {sms.from_} to {sms.to}", sms.body]
        lines += [f"  media: {url}" for url in sms.media_urls]
        sys.stdout.write("\n".join(lines) + "\n" + "-" * 72 + "\n")
        sys.stdout.flush()
        return SmsReceipt(sid=f"CONSOLE{uuid.uuid4().hex[:26]}", status="sent")

    def find_sent(self, sms: OutgoingSms, since: datetime.datetime) -> str | None:
        return None

    def fetch_status(self, sid: str) -> tuple[str, str] | None:
        return None


class MemoryBackend:
    """Keeps every SMS in `outbox`, for tests."""

    outbox: list[OutgoingSms] = []  # shared on purpose, like Django's mail.outbox

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        MemoryBackend.outbox.append(sms)
        return SmsReceipt(sid=f"SM{uuid.uuid4().hex}", status="queued")

    def find_sent(self, sms: OutgoingSms, since: datetime.datetime) -> str | None:
        return None

    def fetch_status(self, sid: str) -> tuple[str, str] | None:
        return None


def _rewriting_http_client(origins: dict[str, str]) -> Any:
    """The SDK's own HTTP client, sending each Twilio host's requests where `origins` says."""
    from twilio.http.http_client import TwilioHttpClient

    class RewritingHttpClient(TwilioHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            for origin, base_url in origins.items():
                if url.startswith(origin + "/"):
                    url = base_url + url[len(origin) :]
                    break
            return super().request(method, url, *args, **kwargs)

    return RewritingHttpClient(timeout=TIMEOUT_SECONDS)


def twilio_client() -> Any:
    """The official SDK's client, with Messaging (TWILIO_API_BASE_URL) and Lookup
    (TWILIO_LOOKUP_BASE_URL) sent to the hosts the settings name: Twilio's own by default."""
    from twilio.rest import Client

    lookup = settings.TWILIO_LOOKUP_BASE_URL
    if lookup == LOOKUP_ORIGIN and settings.TWILIO_API_BASE_URL != TWILIO_ORIGIN:
        lookup = settings.TWILIO_API_BASE_URL  # never Twilio's Lookup beside another API host
    moved = {
        origin: base_url
        for origin, base_url in (
            (TWILIO_ORIGIN, settings.TWILIO_API_BASE_URL),
            (LOOKUP_ORIGIN, lookup),
        )
        if base_url != origin
    }
    # Without a rewrite the SDK makes its own client, with its own defaults, as before.
    http_client = _rewriting_http_client(moved) if moved else None
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)


class TwilioBackend:
    def __init__(self) -> None:
        self.client = twilio_client()

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        from twilio.base.exceptions import TwilioRestException

        options: dict[str, Any] = {"to": sms.to, "from_": sms.from_, "body": sms.body}
        if sms.media_urls:
            options["media_url"] = sms.media_urls
        if sms.status_callback:
            options["status_callback"] = sms.status_callback
        try:
            created = self.client.messages.create(**options)
        except TwilioRestException as error:
            code = str(error.code or "")
            if error.status == 429 or code == "20429":
                raise SmsUnavailable(
                    "Twilio is busy (20429); try again.", ambiguous=False
                ) from None
            if error.status >= 500:
                raise SmsUnavailable(f"Twilio answered {error.status}.", ambiguous=True) from None
            raise SmsRejected(code or str(error.status), error.msg or "Refused by Twilio") from None
        except requests.RequestException as error:
            raise SmsUnavailable(f"Could not reach Twilio: {error}", ambiguous=True) from None
        return SmsReceipt(sid=str(created.sid), status=str(created.status or "queued"))

    def find_sent(self, sms: OutgoingSms, since: datetime.datetime) -> str | None:
        """Twilio's own record of a message we may have sent before an answer was lost."""
        try:
            recent = self.client.messages.list(
                to=sms.to, from_=sms.from_, date_sent_after=since, limit=20
            )
        except Exception as error:  # the lookup is best effort; the caller retries later
            raise SmsUnavailable(f"Could not check Twilio: {error}", ambiguous=True) from None
        for message in recent:
            if (message.body or "") == sms.body:
                return str(message.sid)
        return None

    def fetch_status(self, sid: str) -> tuple[str, str] | None:
        try:
            message = self.client.messages(sid).fetch()
        except Exception as error:  # reconciliation is best effort; it runs again later
            logger.warning("Could not fetch the status of %s: %s", sid, type(error).__name__)
            return None
        return str(message.status or ""), str(message.error_code or "")


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name == "twilio":
        return TwilioBackend()
    if name == "memory":
        return MemoryBackend()
    return ConsoleBackend()
