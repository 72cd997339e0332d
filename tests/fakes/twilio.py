"""A fake Twilio REST API on 127.0.0.1, spoken to by the real twilio SDK over HTTP.

It accepts messages (checking HTTP Basic auth like Twilio), answers with Twilio's error codes for
the same magic "To" numbers as Twilio's test credentials, lists sent messages, serves inbound media
behind Basic auth with a redirect to its media store on another port (another host, as Twilio's
is; the store records what it was sent), and can be scripted to fail the next requests
with 429, 500 or a dropped connection after accepting. It also answers Lookup v2's line-type
requests (Twilio serves those on lookups.twilio.com; the SDK is pointed here for both).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.loopback import LoopbackServer
from tests.fakes.recorder import Recorder, RecorderServer

ERRORS = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
    "+15005550010": (21635, "'To' number cannot be a landline."),
}


# Lookup v2's line types for the magic numbers above (+15005550010 is Twilio's landline); any
# other number is a mobile unless `line_types` says otherwise.
LINE_TYPES = {"+15005550010": "landline"}

PRIVATE = {"media_urls", "received_at"}  # what the fake records but Twilio would not answer


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "fake-auth-token-0123456789"
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    script: deque[str] = field(default_factory=deque)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    base_url: str = ""
    media_failures: int = 0  # how many media requests to answer 503 first
    answer_delay: float = 0.0  # seconds to hold each accepted message's answer (recorded first)
    cdn: Recorder = field(default_factory=Recorder)  # Twilio's media store
    line_types: dict[str, str] = field(default_factory=lambda: dict(LINE_TYPES))
    lookups: list[str] = field(default_factory=list)  # the numbers Lookup v2 was asked about
    lookup_failures: int = 0  # how many Lookup requests to answer 503 first

    def fail_next(self, *outcomes: str) -> None:
        """Queue outcomes for the next create requests: "429", "500" or "drop-after-accept"."""
        self.script.extend(outcomes)

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        """What Twilio would report for a message now (without calling back)."""
        for message in self.messages:
            if message["sid"] == sid:
                message["status"] = status
                message["error_code"] = error_code

    def add_media(self, name: str, content: bytes, content_type: str) -> str:
        self.media[name] = (content, content_type)
        self.cdn.serve(f"/cdn/{name}", content, content_type)
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM1/Media/{name}"


def _handler(state: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: int, message: str) -> None:
            self._json(status, {"code": code, "message": message, "status": status})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            state.requests.append(("POST", path))
            if not self._authorised():
                return self._error(401, 20003, "Authenticate")
            if not path.endswith("/Messages.json"):
                return self._error(404, 20404, "Not found")
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            outcome = state.script.popleft() if state.script else ""
            if outcome == "429":
                return self._error(429, 20429, "Too Many Requests")
            if outcome == "500":
                return self._error(500, 20500, "Internal Server Error")
            to = form.get("To", [""])[0]
            if to in ERRORS:
                code, text = ERRORS[to]
                return self._error(400, code, text)
            created: dict[str, Any] = {
                "sid": "SM" + uuid.uuid4().hex,
                "account_sid": state.account_sid,
                "to": to,
                "from": form.get("From", [""])[0],
                "body": form.get("Body", [""])[0],
                "media_urls": form.get("MediaUrl", []),
                "status_callback": form.get("StatusCallback", [""])[0],
                "status": "queued",
                "num_media": str(len(form.get("MediaUrl", []))),
                "direction": "outbound-api",
                "received_at": time.time(),
            }
            state.messages.append(created)
            if state.answer_delay:
                time.sleep(state.answer_delay)  # accepted, but the answer is slow to come
            if outcome == "drop-after-accept":
                self.close_connection = True
                self.connection.close()  # accepted, but the answer never arrives
                return None
            public = {k: v for k, v in created.items() if k not in PRIVATE}
            return self._json(201, public)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append(("GET", parts.path))
            if "/Media/" in parts.path:
                if not self._authorised():
                    return self._error(401, 20003, "Authenticate")
                if state.media_failures > 0:
                    state.media_failures -= 1
                    return self._error(503, 20503, "Service Unavailable")
                name = parts.path.rsplit("/", 1)[-1]
                self.send_response(307)
                self.send_header("Location", f"{state.cdn.url}/cdn/{name}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if not self._authorised():
                return self._error(401, 20003, "Authenticate")
            if parts.path.startswith("/v2/PhoneNumbers/"):
                return self._lookup(parts.path.removeprefix("/v2/PhoneNumbers/"), parts.query)
            if "/Messages/SM" in parts.path and parts.path.endswith(".json"):
                sid = parts.path.rsplit("/", 1)[-1].removesuffix(".json")
                for m in state.messages:
                    if m["sid"] == sid:
                        return self._json(200, {k: v for k, v in m.items() if k not in PRIVATE})
                return self._error(404, 20404, "Not found")
            if parts.path.endswith("/Messages.json"):
                query = parse_qs(parts.query)
                to = query.get("To", [None])[0]
                sender = query.get("From", [None])[0]
                found = [
                    {k: v for k, v in m.items() if k not in PRIVATE}
                    for m in state.messages
                    if (to is None or m["to"] == to) and (sender is None or m["from"] == sender)
                ]
                return self._json(
                    200,
                    {
                        "messages": found,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "first_page_uri": parts.path,
                        "uri": parts.path,
                        "page": 0,
                        "page_size": 50,
                        "start": 0,
                        "end": len(found),
                    },
                )
            return self._error(404, 20404, "Not found")

        def _lookup(self, quoted: str, query: str) -> None:
            """Lookup v2 (lookups.twilio.com): the response's shape with line_type_intelligence
            when Fields asks for it; 60601 in it for a Canadian number, as without approval."""
            number = unquote(quoted)
            state.lookups.append(number)
            if state.lookup_failures > 0:
                state.lookup_failures -= 1
                return self._error(503, 20503, "Service Unavailable")
            if not number.startswith("+") or not number[1:].isdigit():
                return self._error(404, 20404, "The requested resource was not found")
            fields = parse_qs(query).get("Fields", [""])[0].split(",")
            national = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
            answer: dict[str, Any] = {
                "calling_country_code": "1",
                "country_code": "US",
                "phone_number": number,
                "national_format": national,
                "valid": True,
                "validation_errors": [],
                "line_type_intelligence": None,
                "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{number}",
            }
            if "line_type_intelligence" in fields:
                canadian = number[2:5] in {"416", "604", "514", "403", "613"}
                answer["line_type_intelligence"] = {
                    "type": None if canadian else state.line_types.get(number, "mobile"),
                    "carrier_name": None if canadian else "Fake Wireless",
                    "mobile_country_code": None if canadian else "310",
                    "mobile_network_code": None if canadian else "456",
                    "error_code": 60601 if canadian else None,
                }
            return self._json(200, answer)

    return Handler


class FakeTwilioServer(LoopbackServer[FakeTwilio]):
    def __init__(self) -> None:
        state = FakeTwilio()
        super().__init__(state, _handler(state))
        state.base_url = self.url
        self.cdn = RecorderServer()
        state.cdn = self.cdn.state

    def __enter__(self) -> FakeTwilio:
        self.cdn.__enter__()
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.cdn.__exit__(*exc)
