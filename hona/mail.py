"""The email backend `make run` prints with: what a developer reads, not what SMTP carries.

Django's console backend prints the raw MIME message, so one 6 MB attachment becomes about
110,000 lines of base64. This one prints the headers, the text itself, and one line per other
part (the HTML version, each attachment) with its name, type and size.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from email.header import decode_header, make_header
from email.message import Message
from typing import Any, TextIO

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.template.defaultfilters import filesizeformat

# The headers a person checks; the rest (MIME-Version, Content-Transfer-Encoding…) is plumbing.
SHOWN_HEADERS = ("Subject", "From", "To", "Cc", "Bcc", "Reply-To", "Date", "Message-ID")


def _size(part: Message) -> str:
    payload = part.get_payload(decode=True)
    length = len(payload) if isinstance(payload, bytes) else 0
    if length < 1024:
        return f"{length} bytes"
    return f"{filesizeformat(length)} ({length:,} bytes)"


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def describe(message: EmailMessage) -> str:
    """The message as a developer wants to read it in a terminal."""
    mime = message.message()
    lines = []
    for name in SHOWN_HEADERS:
        if name == "Bcc":
            values = list(message.bcc)
        else:
            values = [str(make_header(decode_header(str(v)))) for v in mime.get_all(name, [])]
        for value in values:
            lines.append(f"{name}: {value}")
    body_printed = False
    for part in mime.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename is None and content_type == "text/plain" and not body_printed:
            lines.append("")
            lines.append(_text(part).rstrip("\n"))
            lines.append("")
            body_printed = True
        elif filename is None:
            lines.append(f"[{content_type} version, {_size(part)}]")
        else:
            lines.append(f"[attachment: {filename}, {content_type}, {_size(part)}]")
    return "\n".join(lines)


class ConsoleEmailBackend(BaseEmailBackend):
    """Prints each email in short to the console (stdout unless given a stream)."""

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                try:
                    self.stream.write(describe(message) + "\n" + "-" * 79 + "\n")
                    self.stream.flush()
                except Exception:
                    if not self.fail_silently:
                        raise
                else:
                    sent += 1
        return sent
