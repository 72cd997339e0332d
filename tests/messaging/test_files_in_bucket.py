"""With STORAGE_BACKEND=s3 every file of a message lives in the bucket, not on this host's disk,
and reaches people and Twilio exactly as a file on disk does: through our views, with access
checked and the same headers. Against moto's S3 server on loopback, with the real boto3 client."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hona.models import User
from messaging import actions
from messaging.models import Attachment, Contact, Message, Thread
from messaging.portal import portal_url
from tests.fakes.s3 import Bucket
from tests.fakes.twilio import FakeTwilio
from tests.messaging import samples
from tests.messaging.test_uploads import (
    MB,
    digest,
    multipart_on_disk,
    pdf_on_disk,
    peak_memory,
    post_from_disk,
    stored_files,
)

PHOTO = b"\x89PNG\r\n\x1a\n" + b"x" * 500


@pytest.fixture
def send(owner: User, django_capture_on_commit_callbacks: Any) -> Any:
    """Send as the firm admin; delivery (enqueued on commit) runs at once."""

    def send_files(thread: Thread, body: str, files: list[actions.NewFile]) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return actions.send_message(thread=thread, sender=owner, body=body, files=files)

    return send_files


@pytest.fixture
def portal(client: Client, contact: Contact) -> Client:
    assert client.get(portal_url(contact).removeprefix("http://127.0.0.1:8000")).status_code == 302
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def warm_up_the_s3_client() -> None:
    """Each thread makes its S3 client once, reading botocore's description of the API (about
    12 MB of JSON): a cost of the process, not of any file, so it is paid before measuring."""
    default_storage.exists("warm-up")


def assert_sandboxed(response: Any) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_mms_file_is_kept_in_the_bucket_and_twilio_fetches_it_through_its_signed_link(
    fake_twilio: FakeTwilio, bucket: Bucket, thread: Thread, send: Any, settings: Any
) -> None:
    send(thread, "Here is the form", files=[actions.NewFile("id card.png", PHOTO, "image/png")])
    attachment = Attachment.objects.get()
    assert bucket.keys() == [attachment.file.name]
    assert attachment.file.name.startswith(f"attachments/{thread.organization_id}/{thread.pk}/")
    assert bucket.read(attachment.file.name) == PHOTO
    assert stored_files(settings) == []  # nothing on this host's disk

    [sent] = fake_twilio.messages
    [url] = sent["media_urls"]
    twilio = Client()  # Twilio has no session: the signed link is all it has
    fetched = twilio.get(url.removeprefix("http://127.0.0.1:8000"))
    assert fetched.status_code == 200
    assert body_of(fetched) == PHOTO
    assert fetched["Content-Type"] == "image/png"
    assert fetched["Content-Length"] == str(len(PHOTO))
    assert fetched["Content-Disposition"] == 'inline; filename="idcard.png"'
    assert_sandboxed(fetched)
    assert twilio.head(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
    forged = url.removeprefix("http://127.0.0.1:8000")[:-4] + "AAA/"
    assert twilio.get(forged).status_code == 404


def test_a_scheduled_file_waits_in_the_bucket_and_goes_by_mms_from_it_when_due(
    fake_twilio: FakeTwilio,
    bucket: Bucket,
    thread: Thread,
    owner: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    when = timezone.now() + datetime.timedelta(hours=1)
    scheduled = actions.schedule_message(
        thread=thread,
        sender=owner,
        body="For Monday",
        send_at=when,
        files=[actions.NewFile("id card.png", PHOTO)],
    )
    [key] = bucket.keys()
    assert key.startswith(f"scheduled/{thread.organization_id}/{thread.pk}/")
    assert stored_files(settings) == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_messages(now=when + datetime.timedelta(seconds=1))
    scheduled.refresh_from_db()
    assert scheduled.status == "sent"
    assert bucket.keys() == [key]  # the message's attachment is the same object: no copy
    [sent] = fake_twilio.messages
    [url] = sent["media_urls"]
    assert body_of(Client().get(url.removeprefix("http://127.0.0.1:8000"))) == PHOTO


def test_a_file_in_the_bucket_is_private_and_typed_only_to_download(
    bucket: Bucket, thread: Thread, send: Any
) -> None:
    send(thread, "", files=[actions.NewFile("notes.pdf", samples.PDF, "application/pdf")])
    key = Attachment.objects.get().file.name
    stored = bucket.get(key)
    # Even a link straight to the bucket would download the file, never show it as a page.
    assert stored["ContentType"] == "application/octet-stream"
    assert stored["ContentDisposition"] == "attachment"
    grants = bucket.server.client().get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's alone
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers, no AuthUsers


def test_staff_download_a_file_from_the_bucket_signed_in_and_with_the_sandbox_headers(
    bucket: Bucket, thread: Thread, send: Any, client: Client, colleague: User, outsider: User
) -> None:
    send(thread, "", files=[actions.NewFile("lease.pdf", samples.PDF, "application/pdf")])
    url = reverse("messaging:attachment-download", args=[Attachment.objects.get().pk])
    assert client.get(url).status_code == 302  # signed out: to the sign-in page

    client.force_login(outsider)
    assert client.get(url).status_code == 404  # another firm's file does not exist for them

    client.force_login(colleague)
    response = client.get(url)
    assert response.status_code == 200
    assert body_of(response) == samples.PDF
    assert response["Content-Disposition"] == 'attachment; filename="lease.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(samples.PDF))
    assert response["Cache-Control"] == "no-store"
    assert_sandboxed(response)


def test_a_photo_opened_inline_from_the_bucket_is_still_sandboxed(
    bucket: Bucket, thread: Thread, send: Any, client: Client, colleague: User
) -> None:
    send(thread, "", files=[actions.NewFile("scan.png", PHOTO, "image/png")])
    client.force_login(colleague)
    url = reverse("messaging:attachment-download", args=[Attachment.objects.get().pk])
    response = client.get(url, {"inline": "1"})
    assert response.status_code == 200 and body_of(response) == PHOTO
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="scan.png"'
    assert_sandboxed(response)


def test_a_file_the_client_uploads_in_the_portal_lands_in_the_bucket_and_they_can_download_it(
    bucket: Bucket, portal: Client, settings: Any
) -> None:
    upload = SimpleUploadedFile("bank statement.pdf", samples.PDF)
    response = portal.post("/portal/send/", {"attachments": [upload]}, headers={"HX-Request": "1"})
    assert response.status_code == 200, response.text
    attachment = Attachment.objects.get()
    assert attachment.source == Attachment.Source.PORTAL
    assert bucket.keys() == [attachment.file.name]
    assert bucket.read(attachment.file.name) == samples.PDF
    assert stored_files(settings) == []

    download = portal.get(reverse("messaging:portal-file", args=[attachment.pk]))
    assert download.status_code == 200 and body_of(download) == samples.PDF
    assert download["Content-Disposition"] == 'attachment; filename="bank statement.pdf"'
    assert_sandboxed(download)


def test_two_files_of_the_same_name_stay_two_files_in_the_bucket(
    bucket: Bucket, thread: Thread, send: Any
) -> None:
    send(thread, "", files=[actions.NewFile("scan.pdf", samples.PDF + b"first")])
    send(thread, "", files=[actions.NewFile("scan.pdf", samples.PDF + b"second")])
    first, second = Attachment.objects.order_by("pk")
    assert first.file.name != second.file.name and len(bucket.keys()) == 2
    assert bucket.read(first.file.name).endswith(b"first")
    assert bucket.read(second.file.name).endswith(b"second")


def test_a_file_gone_from_the_bucket_is_a_404_not_an_error(
    bucket: Bucket, thread: Thread, send: Any, client: Client, colleague: User
) -> None:
    send(thread, "", files=[actions.NewFile("lease.pdf", samples.PDF)])
    attachment = Attachment.objects.get()
    bucket.server.client().delete_object(Bucket=bucket.name, Key=attachment.file.name)
    client.force_login(colleague)
    response = client.get(reverse("messaging:attachment-download", args=[attachment.pk]))
    assert response.status_code == 404


def test_support_redacting_a_message_removes_its_file_from_the_bucket(
    bucket: Bucket, thread: Thread, send: Any, django_capture_on_commit_callbacks: Any
) -> None:
    message = send(thread, "", files=[actions.NewFile("wrong client.pdf", samples.PDF)])
    assert len(bucket.keys()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.redact_messages(messages=[message])
    assert bucket.keys() == []


@pytest.mark.parametrize("who", ["portal", "staff"])
def test_a_20_mb_upload_goes_to_the_bucket_without_ever_being_held_in_memory(
    who: str,
    bucket: Bucket,
    portal: Client,
    colleague: User,
    thread: Thread,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    if who == "portal":
        client, url = portal, "/portal/send/"
    else:
        client, url = Client(), reverse("messaging:thread-send", args=[thread.pk])
        client.force_login(colleague)
    source = pdf_on_disk(tmp_path / "deposition.pdf", 20 * MB)
    body = multipart_on_disk(tmp_path / "body", [("deposition.pdf", source)], {"body": "Signed"})
    warm_up_the_s3_client()
    response, peak = peak_memory(lambda: post_from_disk(client, url, body))
    assert response.status_code == 200, response.text
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size) == ("deposition.pdf", 20 * MB)
    # Sent from the temporary file in parts of 8 MB, two at a time, each read 1 MB at a time to
    # sign it: a few MB whatever the file's size.
    assert peak < 8 * MB, f"the request held {peak / MB:.1f} MB at its peak"
    assert bucket.keys() == [attachment.file.name]
    stored = hashlib.sha256()
    for chunk in bucket.get(attachment.file.name)["Body"].iter_chunks(MB):
        stored.update(chunk)
    assert stored.hexdigest() == digest(source)
    assert stored_files(settings) == []


def test_a_20_mb_file_is_downloaded_from_the_bucket_as_it_streams(
    bucket: Bucket, thread: Thread, send: Any, client: Client, colleague: User, tmp_path: Path
) -> None:
    source = pdf_on_disk(tmp_path / "deposition.pdf", 20 * MB)
    with source.open("rb") as handle:
        send(thread, "", files=[actions.NewFile("deposition.pdf", File(handle))])
    client.force_login(colleague)
    url = reverse("messaging:attachment-download", args=[Attachment.objects.get().pk])
    received = hashlib.sha256()

    def download() -> Any:
        response: Any = client.get(url)
        for chunk in response.streaming_content:
            received.update(chunk)
        return response

    warm_up_the_s3_client()
    response, peak = peak_memory(download)
    assert response["Content-Length"] == str(20 * MB)
    assert received.hexdigest() == digest(source)
    assert peak < 5 * MB, f"the download held {peak / MB:.1f} MB at its peak"
