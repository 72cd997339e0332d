"""Files attached to a message: bounded per message and per client, streamed to disk, never held
whole in memory. Large requests are built on disk and streamed to the view, as a browser would."""

from __future__ import annotations

import hashlib
import re
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Attachment, Contact, Message, Thread
from messaging.portal import portal_url
from tests.messaging import samples

MB = 1024 * 1024
BOUNDARY = "hona-test-boundary-7d41"
NOW = 1_800_000_000.0  # one fixed moment, so no rate window turns over during a test


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def portal(client: Client, contact: Contact) -> Client:
    assert client.get(path_of(portal_url(contact))).status_code == 302
    return client


@pytest.fixture
def temp_dir(settings: Any, tmp_path: Path) -> Path:
    """Where Django keeps uploads above FILE_UPLOAD_MAX_MEMORY_SIZE while a request lasts."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture(autouse=True)
def _fixed_clock() -> Iterator[None]:
    with mock.patch("hona.throttle.time.time", return_value=NOW):
        yield


def pdf_on_disk(path: Path, size: int) -> Path:
    """A PDF of `size` bytes, written a megabyte at a time."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            out.write(b"0" * min(left, MB))
            left -= MB
    return path


def multipart_on_disk(
    path: Path, files: list[tuple[str, Path]], fields: dict[str, str] | None = None
) -> Path:
    """The body a browser sends for the composer, written to disk so the test holds none of it."""
    with path.open("wb") as out:
        for name, value in (fields or {}).items():
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for filename, source in files:
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            )
            with source.open("rb") as data:
                shutil.copyfileobj(data, out)
            out.write(b"\r\n")
        out.write(f"--{BOUNDARY}--\r\n".encode())
    return path


def post_from_disk(client: Client, url: str, body: Path) -> Any:
    """POST the body straight from the file (the test client would otherwise copy it whole)."""
    with body.open("rb") as stream:
        environ: dict[str, Any] = {
            "wsgi.input": stream,
            "CONTENT_LENGTH": str(body.stat().st_size),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        }
        return client.generic("POST", url, b"", headers={"HX-Request": "true"}, **environ)


def peak_memory(action: Callable[[], Any]) -> tuple[Any, int]:
    """What the action returned, and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(MB), b""):
            sha.update(chunk)
    return sha.hexdigest()


def send(client: Client, url: str, **data: Any) -> Any:
    return client.post(url, data, headers={"HX-Request": "true"})


# --- One message: how many files, how large ---------------------------------------------------


def test_twelve_5_mb_files_in_the_portal_are_refused_naming_the_two_over_and_nothing_is_kept(
    portal: Client, settings: Any, tmp_path: Path, temp_dir: Path
) -> None:
    sources = [pdf_on_disk(tmp_path / f"scan-{n:02}.pdf", 5 * MB) for n in range(1, 13)]
    body = multipart_on_disk(
        tmp_path / "body", [(p.name, p) for p in sources], {"body": "All my scans"}
    )
    response = post_from_disk(portal, "/portal/send/", body)
    assert response.status_code == 422
    assert (
        "One message can carry at most 10 files and you chose 12. "
        "Send scan-11.pdf and scan-12.pdf in another message."
    ) in response.text
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert list(temp_dir.iterdir()) == []  # the temporary files went with the request


def test_a_request_with_far_too_many_files_is_refused_before_they_are_read(
    portal: Client, settings: Any
) -> None:
    files = [SimpleUploadedFile(f"p{n}.png", samples.PNG) for n in range(25)]
    response = send(portal, "/portal/send/", body="", attachments=files)
    assert response.status_code == 400  # Django's DATA_UPLOAD_MAX_NUMBER_FILES
    assert not Message.objects.exists()
    assert stored_files(settings) == []


def test_eleven_files_from_staff_are_refused_naming_the_eleventh(
    signed_in: Client, thread: Thread
) -> None:
    files = [SimpleUploadedFile(f"p{n}.png", samples.PNG) for n in range(1, 12)]
    response = send(signed_in, send_url(thread), body="photos", attachments=files)
    assert response.status_code == 422
    assert "at most 10 files and you chose 11. Send p11.png in another message." in response.text
    assert not Message.objects.exists()


def test_with_csrf_checked_as_in_production_the_refusal_still_reaches_the_page(
    contact: Contact,
) -> None:
    """The CSRF middleware reads the body before the view: the token, ahead of the files, is
    still read while the files past the limit are skipped."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(path_of(portal_url(contact)))
    page = browser.get("/portal/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    files = [SimpleUploadedFile(f"p{n}.png", samples.PNG) for n in range(1, 13)]
    response = browser.post(
        "/portal/send/", {"csrfmiddlewaretoken": token.group(1), "attachments": files}
    )
    assert response.status_code == 422
    assert "Send p11.png and p12.png in another message." in response.text
    assert not Message.objects.exists()


@pytest.mark.parametrize("who", ["portal", "staff"])
def test_files_over_the_total_for_one_message_are_refused_naming_what_to_send_later(
    who: str, portal: Client, signed_in: Client, thread: Thread, settings: Any
) -> None:
    settings.UPLOAD_MAX_TOTAL_BYTES = 300 * 1024
    client, url = (portal, "/portal/send/") if who == "portal" else (signed_in, send_url(thread))
    files = [
        SimpleUploadedFile(name, samples.padded(samples.PDF, 140 * 1024))
        for name in ("a.pdf", "b.pdf", "c.pdf")
    ]
    response = send(client, url, body="three files", attachments=files)
    assert response.status_code == 422
    assert "the most one message can carry. Send c.pdf and the files after it" in response.text
    assert not Message.objects.exists()
    assert stored_files(settings) == []


def test_every_caller_of_the_actions_is_held_to_the_same_limits(
    contact: Contact, owner: User, settings: Any
) -> None:
    settings.UPLOAD_MAX_TOTAL_BYTES = 4096
    eleven = [actions.NewFile(f"f{n}.pdf", samples.PDF) for n in range(11)]
    with pytest.raises(ValidationError, match=r"Send f10\.pdf in another message"):
        actions.send_message(thread=contact.thread, sender=owner, body="", files=eleven)
    two = [actions.NewFile("a.pdf", samples.PDF), actions.NewFile("b.pdf", samples.PDF)]
    with pytest.raises(ValidationError) as refused:
        actions.receive_portal_message(contact=contact, body="", files=two)
    assert (
        "one message can carry at most 4.0\xa0KB. Send b.pdf in another"
        in refused.value.messages[0]
    )
    assert not Message.objects.exists()


@pytest.fixture
def signed_in(colleague: User) -> Client:
    staff = Client()
    staff.force_login(colleague)
    return staff


def send_url(thread: Thread) -> str:
    return reverse("messaging:thread-send", args=[thread.pk])


# --- Memory: uploads are streamed ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["portal", "staff"])
def test_an_accepted_20_mb_upload_is_stored_without_ever_being_held_in_memory(
    who: str,
    portal: Client,
    signed_in: Client,
    thread: Thread,
    tmp_path: Path,
    temp_dir: Path,
) -> None:
    client, url = (portal, "/portal/send/") if who == "portal" else (signed_in, send_url(thread))
    source = pdf_on_disk(tmp_path / "deposition.pdf", 20 * MB)
    body = multipart_on_disk(tmp_path / "body", [("deposition.pdf", source)], {"body": "Signed"})
    response, peak = peak_memory(lambda: post_from_disk(client, url, body))
    assert response.status_code == 200, response.text
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size) == ("deposition.pdf", 20 * MB)
    assert attachment.content_type == "application/pdf"
    assert digest(Path(attachment.file.path)) == digest(source)
    assert peak < 5 * MB, f"the request held {peak / MB:.1f} MB at its peak"


# --- Per client: how much in how long -----------------------------------------------------------


def test_a_client_can_send_30_files_in_10_minutes_and_is_then_asked_to_wait(
    portal: Client,
) -> None:
    for batch in range(3):
        files = [SimpleUploadedFile(f"p{batch}-{n}.png", samples.PNG) for n in range(10)]
        assert send(portal, "/portal/send/", attachments=files).status_code == 200
    response = send(
        portal,
        "/portal/send/",
        body="one more",
        attachments=[SimpleUploadedFile("x.png", samples.PNG)],
    )
    assert response.status_code == 422
    assert "You can send up to 30 files every 10 minutes" in response.text
    assert Message.objects.count() == 3 and Attachment.objects.count() == 30
    assert send(portal, "/portal/send/", body="Words still go through").status_code == 200


def test_a_client_can_send_so_many_bytes_an_hour(portal: Client, settings: Any) -> None:
    settings.PORTAL_UPLOAD_BYTES_PER_HOUR = 100 * 1024
    pdf = samples.padded(samples.PDF, 60 * 1024)
    assert (
        send(portal, "/portal/send/", attachments=[SimpleUploadedFile("a.pdf", pdf)]).status_code
        == 200
    )
    response = send(portal, "/portal/send/", attachments=[SimpleUploadedFile("b.pdf", pdf)])
    assert response.status_code == 422
    assert "You can send up to 100.0\xa0KB of files an hour" in response.text
    assert Attachment.objects.count() == 1


def test_many_clients_behind_one_address_share_twice_one_clients_allowance(
    firm: Organization, make_contact: Any, settings: Any
) -> None:
    settings.PORTAL_UPLOAD_FILES_PER_10_MINUTES = 2
    codes = []
    for name in ("A", "B", "C"):
        browser = Client(REMOTE_ADDR="203.0.113.9")
        browser.get(path_of(portal_url(make_contact(firm, f"Client {name}"))))
        files = [SimpleUploadedFile(f"{name}{n}.png", samples.PNG) for n in range(2)]
        codes.append(send(browser, "/portal/send/", attachments=files).status_code)
    assert codes == [200, 200, 422]
