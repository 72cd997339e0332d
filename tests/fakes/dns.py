"""DNS answers chosen by a test, at the process boundary (socket.getaddrinfo): names it was told
about resolve to what the test says, and can be re-pointed between lookups as a rebinding
attacker would; every other name resolves as usual."""

from __future__ import annotations

import socket
from collections import deque
from typing import Any

import pytest


class FakeDns:
    def __init__(self) -> None:
        self.answers: dict[str, deque[list[str]]] = {}
        self.lookups: list[str] = []

    def point(self, name: str, *answers: list[str]) -> None:
        """Each lookup of ``name`` takes the next answer; the last one stays."""
        self.answers[name.lower()] = deque(answers)

    def lookups_of(self, name: str) -> int:
        return self.lookups.count(name.lower())

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeDns:
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            queue = self.answers.get(name.lower())
            if queue is None:
                return real(host, port, *args, **kwargs)
            self.lookups.append(name.lower())
            addresses = queue.popleft() if len(queue) > 1 else queue[0]
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            number = int(port or 0)
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, number, 0, 0))
                if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, number))
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return self
