"""Clio's token goes only to Clio, and a message carries only documents of its own matter
(issue #10, points 1 and 5). Against the fake Clio, with a second server standing for "another
host" that records anything that reaches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cms_sync.clio import REFUSED_URL, ClioClient
from cms_sync.errors import FilingRejected, FilingUnavailable
from cms_sync.models import Integration, PendingDocument
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread
from messaging.sms import MemoryBackend
from notifications.models import Notification
from projects.actions import create_project
from tests.fakes.clio import FakeClio
from tests.fakes.recorder import Recorder, RecorderServer


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    """Another host (a port of its own on loopback): nothing of ours may ever reach it."""
    with RecorderServer() as server:
        yield server


@pytest.fixture
def staff(client: Client, owner: User, settings: Any) -> Client:
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    client.force_login(owner)
    return client


def evil_urls(clio: FakeClio, elsewhere: Recorder) -> dict[str, str]:
    """Addresses that start with Clio's (so `startswith(CLIO_BASE_URL)` lets them through) but
    lead somewhere else: a longer host name, and Clio's origin as a user name before "@"."""
    path = "/api/v4/documents.json?matter_id=1001"
    return {
        "longer-host": f"{clio.base_url}.evil.example{path}",
        "user-info": f"{clio.base_url}@127.0.0.1:{elsewhere.port}{path}",
    }


def listing(client: Client, thread: Thread, **params: str) -> str:
    """The documents picker, once its task has loaded it (tasks run in-process)."""
    url = reverse("cms_sync:thread-documents", args=[thread.pk])
    html = client.get(url, params).text
    return client.get(url, params).text if "Loading documents" in html else html


# --- point 1: the token goes only to Clio -----------------------------------------------------


@pytest.mark.parametrize("shape", ["longer-host", "user-info"])
def test_a_page_url_from_the_browser_never_takes_clios_token_elsewhere(
    clio: FakeClio, elsewhere: Recorder, matter_thread: Thread, staff: Client, shape: str
) -> None:
    html = listing(staff, matter_thread, page=evil_urls(clio, elsewhere)[shape])
    assert elsewhere.connections == 0 and elsewhere.requests == []
    assert clio.requests == []  # nothing was asked of Clio for it either
    assert "That page of documents is no longer available" in html


def test_more_documents_is_an_opaque_token_the_server_turns_into_clios_next_page(
    clio: FakeClio, matter_thread: Thread, staff: Client
) -> None:
    for index in range(23):
        clio.add_document(1001, f"exhibit-{index:02d}.pdf", b"%PDF-1.4", "application/pdf")
    first = listing(staff, matter_thread)
    [token] = re.findall(r"page=([^\"&]+)\" hx-target", first)
    assert "http" not in token and "127.0.0.1" not in token and "exhibit-19.pdf" in first
    second = listing(staff, matter_thread, page=token)
    assert "exhibit-20.pdf" in second and "exhibit-22.pdf" in second
    assert "exhibit-19.pdf" not in second


def test_a_page_token_is_good_only_for_the_matter_and_search_it_came_from(
    clio: FakeClio, firm: Organization, matter_thread: Thread, staff: Client, make_contact: Any
) -> None:
    for index in range(23):
        clio.add_document(1001, f"exhibit-{index:02d}.pdf", b"%PDF-1.4", "application/pdf")
        clio.add_document(1005, f"custody-{index:02d}.pdf", b"%PDF-1.4", "application/pdf")
    [token] = re.findall(r"page=([^\"&]+)\" hx-target", listing(staff, matter_thread))
    other = make_contact(firm, "Sam Roe")
    custody = create_project(organization=firm, name="Roe custody", cms_case_id="1005")
    actions.add_contact_to_project(contact=other, project=custody)
    elsewhere = listing(staff, Thread.objects.get(contact=other), page=token)
    assert "no longer available" in elsewhere and "exhibit-2" not in elsewhere
    assert "no longer available" in listing(staff, matter_thread, page=token, q="exhibit")


@pytest.mark.parametrize(
    "shape",
    ["longer-host", "user-info", "other-port", "other-scheme", "other-host", "backslash",
     "scheme-relative", "outside-the-api", "not-a-path"],
)  # fmt: skip
def test_the_clio_client_refuses_any_address_not_exactly_on_clios_origin(
    clio: FakeClio, elsewhere: Recorder, shape: str
) -> None:
    port = clio.base_url.rsplit(":", 1)[1]
    path = "/api/v4/documents.json"
    url = {
        **evil_urls(clio, elsewhere),
        "other-port": f"http://127.0.0.1:{elsewhere.port}{path}",
        "other-scheme": f"https://127.0.0.1:{port}{path}",
        "other-host": f"http://localhost:{port}{path}",
        "backslash": f"http://127.0.0.1:{elsewhere.port}\\@127.0.0.1:{port}{path}",
        "scheme-relative": f"//127.0.0.1:{elsewhere.port}{path}",
        "outside-the-api": f"{clio.base_url}/oauth/token",
        "not-a-path": f"127.0.0.1:{elsewhere.port}{path}",
    }[shape]
    client = ClioClient(Integration.objects.get())
    try:
        client.request("GET", url)
    except (FilingRejected, FilingUnavailable) as error:
        outcome = str(error)
    else:
        outcome = "sent"
    assert elsewhere.connections == 0 and clio.requests == []
    assert outcome == REFUSED_URL


def test_the_clio_client_still_follows_clios_own_next_page_link(clio: FakeClio) -> None:
    for index in range(3):
        clio.add_document(1001, f"exhibit-{index}.pdf", b"x", "application/pdf")
    client = ClioClient(Integration.objects.get())
    shouted = clio.base_url.upper()  # scheme and host compare without case
    answer = client.request("GET", f"{shouted}/api/v4/documents.json?matter_id=1001&limit=2")
    assert [d["name"] for d in answer["data"]] == ["exhibit-0.pdf", "exhibit-1.pdf"]


def test_a_download_follows_clios_redirect_to_its_storage_without_the_token(
    clio: FakeClio, matter_thread: Thread, staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("cms_sync:thread-attach", args=[matter_thread.pk]), {"document": lease})
    attachment = matter_thread.messages.get().attachments.get()
    assert attachment.file.read() == b"%PDF-1.4 lease"
    assert [r.path for r in clio.storage.requests] == ["/storage/1001?signature=presigned"]
    assert clio.storage.authorizations == []


# --- point 5: only documents of the thread's matter -------------------------------------------


def send(client: Client, thread: Thread, callbacks: Any, *documents: str, body: str = "") -> None:
    with callbacks(execute=True):
        answer = client.post(
            reverse("cms_sync:thread-attach", args=[thread.pk]),
            {"document": list(documents), "body": body},
        )
    assert answer.status_code == 302


def test_a_document_of_another_matter_chosen_in_a_forged_form_is_never_downloaded_nor_sent(
    clio: FakeClio,
    matter_thread: Thread,
    owner: User,
    staff: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    memo = clio.add_document(2002, "privileged-memo.pdf", b"%PDF-1.4 secret", "application/pdf")
    send(staff, matter_thread, django_capture_on_commit_callbacks, f"{lease}|x", f"{memo}|lease")
    assert clio.downloads == [lease]
    message = matter_thread.messages.get()
    assert [a.filename for a in message.attachments.all()] == ["signed-lease.pdf"]
    [sms] = MemoryBackend.outbox
    assert len(sms.media_urls) == 1
    refused = PendingDocument.objects.get(document_id=str(memo))
    assert refused.refusal_code == "not_in_matter" and refused.attachment is None
    notice = Notification.objects.get(user=owner, kind="documents_not_sent")
    assert notice.body == "privileged-memo.pdf is not a document of Doe v. Acme and was not sent."
    html = staff.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "Not every document reached Jane Doe" in html


def test_a_message_left_with_nothing_to_send_fails_and_nothing_goes_by_sms_or_email(
    clio: FakeClio,
    matter_thread: Thread,
    owner: User,
    staff: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    memo = clio.add_document(2002, "privileged-memo.pdf", b"%PDF-1.4 secret", "application/pdf")
    send(staff, matter_thread, django_capture_on_commit_callbacks, str(memo))
    assert clio.downloads == [] and MemoryBackend.outbox == []
    # The only email is the notice to the sender: nothing went to the client.
    assert [m.to for m in mail.outbox] == [[owner.email]] and not mail.outbox[0].attachments
    message = Message.objects.get()
    assert message.status == "failed" and not message.attachments.exists()
    assert message.error_reason == (
        "privileged-memo.pdf is not a document of Doe v. Acme and was not sent."
    )
    assert Notification.objects.get(user=owner, kind="delivery_failed").message == message
    html = staff.get(reverse("messaging:thread-detail", args=[matter_thread.pk])).text
    assert "privileged-memo.pdf is not a document of Doe v. Acme and was not sent." in html


def test_a_documents_name_comes_from_clio_not_from_the_form(
    clio: FakeClio, matter_thread: Thread, staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    send(staff, matter_thread, django_capture_on_commit_callbacks, f"{lease}|../../evil.exe")
    attachment = Message.objects.get().attachments.get()
    assert attachment.filename == "signed-lease.pdf"
    assert attachment.file.name.endswith("signed-lease.pdf")


def test_the_matter_is_the_threads_current_one_when_the_documents_are_sent(
    clio: FakeClio,
    firm: Organization,
    contact: Contact,
    matter_thread: Thread,
    owner: User,
    staff: Client,
) -> None:
    from cms_sync.documents import fetch_documents, send_documents

    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    message = send_documents(
        thread=matter_thread, sender=owner, body="The lease", document_ids=[str(lease)]
    )
    # Before the task runs, the conversation is moved to the client's other case.
    other = create_project(organization=firm, name="Doe custody", cms_case_id="1007")
    actions.add_contact_to_project(contact=contact, project=other)
    actions.set_thread_project(thread=Thread.objects.get(pk=matter_thread.pk), project=other)
    assert fetch_documents(message_id=message.pk) is None
    assert clio.downloads == [] and not message.attachments.exists()
    assert PendingDocument.objects.get().refusal == (
        "signed-lease.pdf is not a document of Doe custody and was not sent."
    )


def test_a_document_clio_does_not_know_is_refused_plainly(
    clio: FakeClio, matter_thread: Thread, staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    send(staff, matter_thread, django_capture_on_commit_callbacks, "999999", body="See attached")
    pending = PendingDocument.objects.get()
    assert pending.refusal_code == "not_found"
    assert pending.refusal == "Document 999999 could not be found in Clio and was not sent."
    assert [m.body for m in MemoryBackend.outbox] == ["See attached"]


def test_an_outsider_cannot_send_documents_from_another_firms_thread(
    clio: FakeClio, matter_thread: Thread, outsider: User, client: Client
) -> None:
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    client.force_login(outsider)
    url = reverse("cms_sync:thread-attach", args=[matter_thread.pk])
    assert client.post(url, {"document": lease}).status_code == 404
    documents = reverse("cms_sync:thread-documents", args=[matter_thread.pk])
    assert client.get(documents).status_code == 404
    assert not Message.objects.exists() and clio.requests == []


def test_a_clio_document_attached_to_a_message_is_kept_in_the_bucket_when_files_are_in_s3(
    clio: FakeClio,
    matter_thread: Thread,
    staff: Client,
    bucket: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    lease = clio.add_document(1001, "signed lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("cms_sync:thread-attach", args=[matter_thread.pk]), {"document": lease})
    attachment = matter_thread.messages.get().attachments.get()
    assert attachment.source == "cms"
    assert bucket.keys() == [attachment.file.name]
    assert bucket.read(attachment.file.name) == b"%PDF-1.4 lease"
    assert not any(path.is_file() for path in Path(settings.MEDIA_ROOT).rglob("*"))
    download: Any = staff.get(reverse("messaging:attachment-download", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 lease"
    assert download["Content-Disposition"] == 'attachment; filename="signed lease.pdf"'
