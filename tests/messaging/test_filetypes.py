"""A file's type comes from its content, for staff uploads and portal uploads alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hona.models import User
from messaging.filetypes import DOCX, XLSX, check_upload
from messaging.models import Attachment, Contact, Message, Thread
from messaging.portal import portal_url
from tests.messaging import samples


@pytest.fixture
def staff(colleague: User) -> Client:
    browser = Client()
    browser.force_login(colleague)
    return browser


@pytest.fixture
def portal(contact: Contact) -> Client:
    browser = Client()
    assert browser.get(portal_url(contact).removeprefix("http://127.0.0.1:8000")).status_code == 302
    return browser


@pytest.fixture(params=["staff", "portal"])
def uploader(request: pytest.FixtureRequest, thread: Thread) -> Any:
    """Posts files from the staff composer or from the client portal, as htmx does."""
    browser: Client = request.getfixturevalue(request.param)
    url = (
        reverse("messaging:thread-send", args=[thread.pk])
        if request.param == "staff"
        else "/portal/send/"
    )

    def upload(*files: SimpleUploadedFile, body: str = "") -> Any:
        data = {"body": body, "attachments": list(files)}
        return browser.post(url, data, headers={"HX-Request": "true"})

    return upload


REFUSALS = [
    (
        "report.docx",
        samples.plain_zip(),
        "report.docx is named like a Word document but is a plain",
    ),
    ("invoice.pdf", samples.EXE, "invoice.pdf is not a kind of file we accept (its content is a"),
    ("photo.jpg", samples.PNG, "photo.jpg is a PNG image, but its name says .jpg. Rename it to"),
    ("lease.doc", samples.docx(), "lease.doc is a Word document, but its name says .doc. Rename"),
    ("notes.html", b"<p>Hi</p>", "notes.html is a text file, but its name says .html"),
    ("empty.pdf", b"", "empty.pdf is empty"),
]


@pytest.mark.parametrize(("name", "content", "words"), REFUSALS)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_nothing_is_stored(
    uploader: Any, name: str, content: bytes, words: str
) -> None:
    response = uploader(SimpleUploadedFile(name, content, "application/pdf"), body="see file")
    assert response.status_code == 422
    assert words in response.text
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("budget.xls", samples.xls(), "application/vnd.ms-excel"),
        ("old-letter.doc", samples.doc(), "application/msword"),
        ("voice memo.m4a", samples.m4a(), "audio/mp4"),
        ("photo.avif", samples.avif(), "image/avif"),
        ("IMG_0042.HEIC", samples.heic(), "image/heic"),
        ("clip.mov", samples.mov(), "video/quicktime"),
        ("clip.mp4", samples.mp4(), "video/mp4"),
        ("brief.docx", samples.docx(), DOCX.content_type),
        ("fees.xlsx", samples.xlsx(), XLSX.content_type),
        ("ledger.csv", b"BMW lease,1200\nRent,900\n", "text/csv"),
        ("notes.txt", "Grüße aus Köln\n".encode(), "text/plain"),
    ],
)
def test_accepted_files_are_stored_with_the_type_their_content_shows(
    uploader: Any, name: str, content: bytes, content_type: str
) -> None:
    response = uploader(SimpleUploadedFile(name, content, "application/octet-stream"))
    assert response.status_code == 200, response.text
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == (name, content_type)


def test_a_browsers_200_character_content_type_is_ignored_for_the_one_read_from_the_file(
    uploader: Any,
) -> None:
    header = "application/" + "x" * 188
    response = uploader(SimpleUploadedFile("scan.pdf", samples.PDF, header), body="Scan")
    assert response.status_code == 200
    assert Attachment.objects.get().content_type == "application/pdf"


def test_text_cut_inside_a_character_at_the_sniffed_length_is_still_text() -> None:
    text = ("é" * 5000).encode()  # two bytes each: 8,191 bytes end half-way through one
    assert check_upload(text[:8191], "notes.txt", whole=False).content_type == "text/plain"
    with pytest.raises(ValueError, match="not a kind of file we accept"):
        check_upload(text[:8191], "notes.txt", whole=True)  # a whole file may not end mid-way
