"""A CMS webhook receiver on 127.0.0.1: checks the signature, records each entry, and can be told
to answer the next requests with 500, 429 (with Retry-After), 400 or a redirect. It counts every
connection (a probe that sends nothing counts too) and can serve https with a given context."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackServer


@dataclass
class Receiver:
    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    script: deque[str] = field(default_factory=deque)
    bad_signatures: int = 0
    url: str = ""
    port: int = 0
    connections: int = 0
    hosts: list[str] = field(default_factory=list)  # the Host header of each request


def _handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            state.connections += 1
            super().setup()

        def do_POST(self) -> None:
            state.hosts.append(self.headers.get("Host", ""))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            expected = "sha256=" + hmac.new(state.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Hona-Signature", "")):
                state.bad_signatures += 1
                return self._answer(401, {"error": "bad signature"})
            outcome = state.script.popleft() if state.script else ""
            if outcome == "500":
                return self._answer(500, {"error": "down"})
            if outcome == "429":
                return self._answer(429, {"error": "slow down"}, {"Retry-After": "0"})
            if outcome in {"400", "404"}:
                return self._answer(int(outcome), {"error": "unknown case"})
            if outcome.startswith("redirect:"):
                return self._answer(307, {}, {"Location": outcome.removeprefix("redirect:")})
            key = self.headers.get("Idempotency-Key", "")
            state.keys.append(key)
            if key not in [e["idempotency_key"] for e in state.received]:
                state.received.append(json.loads(body))
            return self._answer(200, {"id": f"cms-{len(state.received)}"})

        def _answer(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


class ReceiverServer(LoopbackServer[Receiver]):
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        state = Receiver()
        super().__init__(state, _handler(state), host, port)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.url = self.url.replace("http://", "https://", 1)
        state.url, state.port = f"{self.url}/hona", self.port
