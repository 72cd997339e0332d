"""A test's reader of a server-sent event stream, over real HTTP: the events as they arrive."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time

import requests


class EventStream:
    """Opens `url` with `session` and reads its events in a thread (name, time it arrived)."""

    def __init__(self, session: requests.Session, url: str) -> None:
        self.response = session.get(url, stream=True, timeout=(5, 60))
        self.status = self.response.status_code
        self.content_type = self.response.headers.get("Content-Type", "")
        self.events: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
        self.comments: list[str] = []
        self.opened = threading.Event()
        # The socket under the response (http.client's file over it), to shut it on close.
        reader = getattr(getattr(self.response.raw, "_fp", None), "fp", None)
        self._socket: socket.socket | None = getattr(getattr(reader, "raw", None), "_sock", None)
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = ""
        try:
            for raw in self.response.iter_lines(chunk_size=1):
                line = raw.decode()
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    self.opened.set()
                elif line.startswith("event:"):
                    name = line[len("event:") :].strip()
                elif line == "" and name:
                    self.events.put((name, time.monotonic()))
                    name = ""
        except Exception:  # the stream was closed by the test
            return

    def next(self, seconds: float = 5.0) -> str:
        return self.events.get(timeout=seconds)[0]

    def wait_for(self, event: str, seconds: float = 5.0) -> float:
        """When `event` arrived (monotonic clock); other events before it are passed over."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event!r} event within {seconds} s")
            try:
                name, at = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if name == event:
                return at

    def drain(self, seconds: float = 0.5) -> list[str]:
        """Every event that arrives within `seconds`."""
        names: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                names.append(self.events.get(timeout=left)[0])
            except queue.Empty:
                break
        return names

    def close(self) -> None:
        # Shut the socket first: the reading thread holds the response, and closing it alone would
        # wait for the server's next line.
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self.response.close()
