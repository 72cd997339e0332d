"""A mail server on 127.0.0.1 for tests: it takes every email (and records it), or refuses.

While `refusing` it greets each connection with 421 ("service not available, closing"), as a mail
server does when it is overloaded or down for maintenance; Django's SMTP backend raises then, as
it would in production. Otherwise it speaks just enough SMTP for Django's backend (EHLO, MAIL,
RCPT, DATA, RSET, NOOP, QUIT) and records each email it accepted, parsed.
"""

from __future__ import annotations

import email
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from email.policy import default as default_policy


@dataclass
class MailSink:
    refusing: bool = False
    accepted: list[EmailMessage] = field(default_factory=list)
    refused: int = 0  # connections turned away while refusing
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self) -> list[str]:
        """The plain-text part of each email accepted, in order."""
        found = []
        for message in list(self.accepted):
            part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
            found.append(part.get_content() if part is not None else "")
        return found


def _handler(state: MailSink) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def say(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            if state.refusing:
                with state.lock:
                    state.refused += 1
                self.say("421 4.3.2 Service not available, closing transmission channel")
                return
            self.say("220 sink.test ESMTP")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                if verb in {"EHLO", "HELO"}:
                    self.say("250 sink.test")
                elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                    self.say("250 2.0.0 OK")
                elif verb == "DATA":
                    self.say("354 End data with <CR><LF>.<CR><LF>")
                    self._receive()
                elif verb == "QUIT":
                    self.say("221 2.0.0 Bye")
                    return
                else:
                    self.say("502 5.5.2 Command not recognised")

        def _receive(self) -> None:
            lines = []
            while True:
                line = self.rfile.readline()
                if not line or line in {b".\r\n", b".\n"}:
                    break
                lines.append(line[1:] if line.startswith(b"..") else line)
            parsed = email.message_from_bytes(b"".join(lines), policy=default_policy)
            with state.lock:
                state.accepted.append(parsed)
            self.say("250 2.0.0 Queued")

    return Handler


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailSinkServer:
    """`with MailSinkServer() as sink:` — EMAIL_HOST 127.0.0.1, EMAIL_PORT sink.port."""

    def __init__(self) -> None:
        self.state = MailSink()
        self.server = _Server(("127.0.0.1", 0), _handler(self.state))
        self.state.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> MailSink:
        self.thread.start()
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
