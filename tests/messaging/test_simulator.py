"""The phone simulator (development only) says in plain words why a text could not be sent."""

from __future__ import annotations

import socket
from typing import Any

from hona.models import User
from messaging.models import Message, Thread


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_simulator_reply_to_an_address_nothing_answers_on_says_so_plainly(
    client: Any, settings: Any, owner: User, thread: Thread
) -> None:
    settings.DEBUG = True
    port = _closed_port()
    settings.PUBLIC_BASE_URL = f"http://127.0.0.1:{port}"
    client.force_login(owner)

    answer = client.post(
        "/dev/phone/reply/", {"contact": thread.contact.pk, "body": "Running late"}, follow=True
    )

    page = answer.content.decode()
    assert (
        f"Hona could not reach itself at http://127.0.0.1:{port} — is the server running on "
        "that address?"
    ) in page
    assert "PUBLIC_BASE_URL" in page
    assert "HTTPConnectionPool" not in page
    assert "Errno" not in page and "refused" not in page.lower()
    assert not Message.objects.filter(thread=thread, direction="in").exists()


def test_the_simulator_says_where_answers_are_sent(
    client: Any, settings: Any, owner: User, thread: Thread
) -> None:
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8100"
    client.force_login(owner)

    page = client.get(f"/dev/phone/?contact={thread.contact.pk}").content.decode()

    assert "Answers are sent to http://127.0.0.1:8100" in page
