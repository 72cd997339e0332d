"""Scheduled messages with files (issue 14, point 2: "any message can be scheduled"): the files are
checked and stored when it is scheduled, shown with it, and sent with it by MMS when it is due,
from the same stored file."""

from __future__ import annotations

import datetime
import os
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Attachment, Message, ScheduledFile, ScheduledMessage, Thread
from notifications.models import Notification
from tests.conftest import thread_url
from tests.messaging import samples
from tests.messaging.conftest import PUBLIC

HTMX = {"HX-Request": "true"}


def local_input(moment: datetime.datetime, firm: Organization) -> str:
    return f"{moment.astimezone(ZoneInfo(firm.timezone)):%Y-%m-%dT%H:%M}"


def schedule(
    client: Client, thread: Thread, *files: SimpleUploadedFile, body: str = "The signed form"
) -> Any:
    when = timezone.now() + datetime.timedelta(hours=2)
    return client.post(
        thread_url(thread, "thread-send"),
        {
            "body": body,
            "action": "schedule",
            "send_at": local_input(when, thread.organization),
            "attachments": list(files),
        },
        headers=HTMX,
    )


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def due(scheduled: ScheduledMessage) -> datetime.datetime:
    return scheduled.send_at + datetime.timedelta(seconds=5)


def test_a_message_with_files_is_scheduled_listed_and_sent_by_mms_when_due(
    signed_in: Client,
    thread: Thread,
    fake_twilio: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = schedule(
        signed_in,
        thread,
        SimpleUploadedFile("id card.png", samples.PNG),
        SimpleUploadedFile("retainer.pdf", samples.PDF),
    )
    assert response.status_code == 200
    scheduled = ScheduledMessage.objects.get()
    stored = list(scheduled.files.all())
    assert [(f.filename, f.content_type) for f in stored] == [
        ("id card.png", "image/png"),
        ("retainer.pdf", "application/pdf"),
    ]
    # Listed with the scheduled message, each downloadable by staff; nothing sent yet.
    assert "id card.png" in response.text and "retainer.pdf" in response.text
    page = signed_in.get(thread_url(thread)).text
    assert f"/scheduled-files/{stored[1].pk}/" in page
    download = signed_in.get(f"/scheduled-files/{stored[1].pk}/")
    assert body_of(download) == samples.PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert not Message.objects.exists() and fake_twilio.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_due_messages(now=due(scheduled)) == 1
    message = Message.objects.get()
    assert message.channel == Message.Channel.MMS and message.body == "The signed form"
    # The message's attachments are the scheduled files themselves, not second copies.
    assert sorted(a.file.name for a in message.attachments.all()) == sorted(
        f.file.name for f in stored
    )
    [sent] = fake_twilio.messages
    twilio = Client()  # fetches each file through its signed link, as for any MMS
    fetched = [body_of(twilio.get(url.removeprefix(PUBLIC))) for url in sent["media_urls"]]
    assert fetched == [samples.PNG, samples.PDF]


def test_files_alone_can_be_scheduled_and_go_without_text(
    signed_in: Client,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    schedule(signed_in, thread, SimpleUploadedFile("photo.png", samples.PNG), body="")
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.body == ""
    # Editing it: the text may stay empty, since its file still goes.
    later = scheduled.send_at + datetime.timedelta(hours=1)
    response = signed_in.post(
        f"/conversations/{thread.pk}/scheduled/{scheduled.pk}/edit/",
        {"body": "", "send_at": local_input(later, thread.organization)},
        headers=HTMX,
    )
    assert response.status_code == 200
    scheduled.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_messages(now=due(scheduled))
    message = Message.objects.get()
    assert [a.filename for a in message.attachments.all()] == ["photo.png"]
    thread.refresh_from_db()
    assert thread.last_message_preview == "📎 photo.png"
    assert len(memory_sms) == 1 and memory_sms[0].media_urls


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 200), "setup.exe"),
        (SimpleUploadedFile("scan.pdf", samples.PNG), "scan.pdf"),
    ],
)
def test_a_file_that_cannot_go_is_refused_when_scheduled_and_nothing_is_stored(
    signed_in: Client, thread: Thread, settings: Any, upload: SimpleUploadedFile, error: str
) -> None:
    response = schedule(signed_in, thread, upload)
    assert response.status_code == 422 and error in response.text
    assert not ScheduledMessage.objects.exists() and not ScheduledFile.objects.exists()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "scheduled"))


def test_too_many_files_are_refused_when_scheduled(
    signed_in: Client, thread: Thread, settings: Any
) -> None:
    settings.UPLOAD_MAX_FILES = 2
    files = [SimpleUploadedFile(f"p{n}.png", samples.PNG) for n in range(3)]
    response = schedule(signed_in, thread, *files)
    assert response.status_code == 422 and "at most 2 files" in response.text
    assert not ScheduledMessage.objects.exists()


def test_a_file_gone_from_storage_when_due_fails_the_message_and_tells_its_author(
    signed_in: Client, thread: Thread, owner: User, memory_sms: list[Any]
) -> None:
    schedule(signed_in, thread, SimpleUploadedFile("photo.png", samples.PNG))
    scheduled = ScheduledMessage.objects.get()
    os.remove(scheduled.files.get().file.path)
    assert actions.send_due_messages(now=due(scheduled)) == 1
    scheduled.refresh_from_db()
    assert scheduled.status == "failed"
    reason = "photo.png could not be read from storage. Send it again from the composer."
    assert scheduled.failure == reason
    assert not Message.objects.exists() and memory_sms == []
    assert reason in Notification.objects.get(user=owner).body


def test_quiet_hours_schedule_keeps_the_files(
    signed_in: Client, firm: Organization, thread: Thread
) -> None:
    local = timezone.now().astimezone(ZoneInfo("America/Los_Angeles"))
    firm.quiet_hours_on = True
    firm.quiet_hours_start = (local - datetime.timedelta(hours=1)).time().replace(second=0)
    firm.quiet_hours_end = (local + datetime.timedelta(hours=2)).time().replace(second=0)
    firm.save()
    signed_in.post(
        thread_url(thread, "thread-send"),
        {
            "body": "Your copy",
            "quiet": "schedule",
            "attachments": [SimpleUploadedFile("copy.pdf", samples.PDF)],
        },
        headers=HTMX,
    )
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.reason == "quiet_hours"
    assert [f.filename for f in scheduled.files.all()] == ["copy.pdf"]


def test_redacting_a_message_sent_on_schedule_removes_its_scheduled_copy_too(
    signed_in: Client,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    schedule(signed_in, thread, SimpleUploadedFile("bad.png", samples.PNG), body="bad words")
    scheduled = ScheduledMessage.objects.get()
    path = scheduled.files.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_messages(now=due(scheduled))
    with django_capture_on_commit_callbacks(execute=True):
        actions.redact_messages(messages=[Message.objects.get()])
    scheduled.refresh_from_db()
    assert scheduled.body == actions.REDACTED_TEXT
    stored = scheduled.files.get()
    assert not stored.file and stored.filename == "removed"
    assert not os.path.exists(path)
    assert Attachment.objects.get().filename == "removed"


def test_another_firm_cannot_download_a_scheduled_file(
    client: Client, thread: Thread, owner: User, outsider: User
) -> None:
    client.force_login(owner)
    schedule(client, thread, SimpleUploadedFile("private.pdf", samples.PDF))
    stored = ScheduledFile.objects.get()
    client.force_login(outsider)
    assert client.get(f"/scheduled-files/{stored.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/scheduled-files/{stored.pk}/").status_code == 302
