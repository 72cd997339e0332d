"""`make run` prints emails to the console: headers, text, and each file's name and size."""

from __future__ import annotations

import io
import os

from django.core.mail import EmailMultiAlternatives

from hona.mail import ConsoleEmailBackend


def _printed(message: EmailMultiAlternatives) -> str:
    stream = io.StringIO()
    ConsoleEmailBackend(stream=stream).send_messages([message])
    return stream.getvalue()


def test_a_six_megabyte_attachment_prints_its_name_and_size_not_its_bytes() -> None:
    message = EmailMultiAlternatives(
        subject="New message from Dana Brooks",
        body="Dana sent you a file.\nOpen the thread to read it.",
        from_email="Hona Messaging <messages@localhost>",
        to=["paralegal@brooks-law.example"],
    )
    message.attach_alternative("<p>Dana sent you a file.</p>", "text/html")
    payload = os.urandom(6 * 1024 * 1024)
    message.attach("custody-order.pdf", payload, "application/pdf")

    printed = _printed(message)

    assert len(printed.splitlines()) < 40
    assert "Subject: New message from Dana Brooks" in printed
    assert "To: paralegal@brooks-law.example" in printed
    assert "Dana sent you a file.\nOpen the thread to read it." in printed
    assert "custody-order.pdf" in printed
    assert "application/pdf" in printed
    assert "6.0\xa0MB" in printed or "6.0 MB" in printed
    assert "6,291,456 bytes" in printed
    assert "base64" not in printed.lower()
    # Not a single long line of encoded data either.
    assert max(len(line) for line in printed.splitlines()) < 200


def test_the_html_version_is_named_with_its_size_and_a_plain_email_prints_whole() -> None:
    message = EmailMultiAlternatives(
        subject="Résumé of today", body="Bonjour — all is well.", to=["a@example.com"]
    )
    message.attach_alternative("<p>Bonjour — all is well.</p>", "text/html")

    printed = _printed(message)

    assert "Subject: Résumé of today" in printed
    assert "Bonjour — all is well." in printed
    assert "text/html" in printed
