"""Support's redaction: the text and files go, and the files only once the database agreed."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import transaction

from messaging import actions
from messaging.models import Attachment, Message, Thread


def _with_file(thread: Thread) -> tuple[Message, str]:
    message = actions.record_message(
        thread=thread,
        direction="in",
        body="something inappropriate",
        channel="mms",
        status="received",
        files=[actions.NewFile("bad.png", b"\x89PNG", "image/png", "mms")],
    )
    return message, message.attachments.get().file.path


def test_a_redaction_that_rolls_back_keeps_the_file_its_record_points_to(thread: Thread) -> None:
    message, path = _with_file(thread)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.redact_messages(messages=[message])
        raise RuntimeError("the admin action failed after redacting")
    attachment = Attachment.objects.get(message=message)
    assert attachment.filename == "bad.png" and attachment.size == 4
    assert os.path.exists(path)
    assert attachment.file.read() == b"\x89PNG"


def test_a_redacted_file_leaves_storage_only_after_commit(
    thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    message, path = _with_file(thread)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            actions.redact_messages(messages=[message])
            assert os.path.exists(path)  # still there while the transaction may roll back
        assert os.path.exists(path)  # committed, the hooks not run yet
    assert not os.path.exists(path)
    attachment = Attachment.objects.get(message=message)
    assert not attachment.file and attachment.filename == "removed"
    message.refresh_from_db()
    assert message.body == actions.REDACTED_TEXT


def test_removing_stored_files_again_is_harmless(thread: Thread) -> None:
    _, path = _with_file(thread)
    name = Attachment.objects.get().file.name
    actions.remove_stored_files(names=[name])
    actions.remove_stored_files(names=[name])
    assert not os.path.exists(path)
