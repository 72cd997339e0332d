from __future__ import annotations

from typing import Any

import pytest

from hona.models import User
from messaging import actions
from messaging.models import Message, Thread


@pytest.fixture
def send(owner: User, django_capture_on_commit_callbacks: Any) -> Any:
    """Send as the firm admin and run what is enqueued on commit (Celery runs eagerly here):
    `send(thread, body="…", files=[…])`, the message as it stands after its delivery."""

    def send_message(
        thread: Thread, body: str = "Your hearing is on Tuesday.", **kw: Any
    ) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            message = actions.send_message(thread=thread, sender=owner, body=body, **kw)
        message.refresh_from_db()
        return message

    return send_message
