"""A server on loopback that records every connection and request it gets: the "other host"
that credentials or a webhook must never reach, or a file store that must see no credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackServer


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Recorder:
    url: str = ""
    port: int = 0
    connections: int = 0  # counted before anything is read: a bare probe counts too
    requests: list[Recorded] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path: (content, type)

    def serve(self, path: str, content: bytes, content_type: str) -> str:
        """Answer GET ``path`` with this file; returns its URL."""
        self.files[path] = (content, content_type)
        return f"{self.url}{path}"

    @property
    def authorizations(self) -> list[str]:
        return [r.headers["Authorization"] for r in self.requests if "Authorization" in r.headers]


def _handler(state: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            state.connections += 1
            super().setup()

        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            state.requests.append(Recorded(self.command, self.path, dict(self.headers.items())))
            content, content_type = state.files.get(self.path.split("?")[0], (b"", "text/plain"))
            self.send_response(200 if content else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_HEAD = _record

    return Handler


class RecorderServer(LoopbackServer[Recorder]):
    def __init__(self, host: str = "127.0.0.1") -> None:
        state = Recorder()
        super().__init__(state, _handler(state), host)
        state.url, state.port = self.url, self.port
