"""Run a fake service's handler on 127.0.0.1 (a free port) for the length of a `with` block."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, TypeVar

State = TypeVar("State")


class LoopbackServer(Generic[State]):
    def __init__(
        self,
        state: State,
        handler: type[BaseHTTPRequestHandler],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        # Any 127.x.y.z address is this machine, so a test can stand up a second "host".
        self.state = state
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}"
        # A short poll keeps shutdown quick; each test starts and stops its own servers.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> State:
        self.thread.start()
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
