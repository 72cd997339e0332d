"""Filing into Clio Manage, against a fake Clio server on loopback."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms_sync import actions as cms
from cms_sync.crypto import decrypt
from cms_sync.models import Integration, OutboxEntry
from hona.models import Organization, User
from messaging import actions
from messaging.models import Thread
from tests.conftest import receive
from tests.fakes.clio import FakeClio, FakeClioServer


def file_now(thread: Thread, body: str, callbacks: Any, **kwargs: Any) -> Any:
    with callbacks(execute=True):
        return (
            receive(thread, body) if not kwargs else actions.record_message(thread=thread, **kwargs)
        )


def test_connecting_keeps_the_tokens_encrypted(clio: FakeClio) -> None:
    integration = Integration.objects.get()
    assert integration.kind == "clio" and integration.status == "active"
    assert "access-1" not in integration.access_token_encrypted
    assert decrypt(integration.access_token_encrypted) == "access-1"
    assert integration.token_expires_at is not None


def test_a_bad_authorization_code_is_a_clear_error(
    settings: Any, firm: Organization, owner: User
) -> None:
    with FakeClioServer() as server:
        settings.CLIO_BASE_URL = server.base_url
        with pytest.raises(ValidationError, match="Clio did not accept the connection"):
            cms.connect_clio(organization=firm, user=owner, code="stolen", redirect_uri="x")
    assert not Integration.objects.exists()


def test_a_message_becomes_a_phone_communication_on_the_matter(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    file_now(matter_thread, "Is the hearing still on?", django_capture_on_commit_callbacks)
    [communication] = clio.communications
    assert communication["type"] == "PhoneCommunication"
    assert communication["subject"] == "SMS from Jane Doe"
    assert communication["matter"] == {"id": 1001}
    assert communication["senders"] == [{"type": "Contact", "id": 10001}]  # the matter's client
    assert communication["receivers"] == [{"type": "User", "id": 501}]  # the firm's Clio user
    assert communication["body"].startswith("Is the hearing still on?")
    entry = OutboxEntry.objects.get()
    assert entry.status == "filed" and entry.cms_id == "1"


def test_a_file_is_uploaded_in_three_steps(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_message(
            thread=matter_thread,
            direction="in",
            body="",
            channel="mms",
            status="received",
            files=[actions.NewFile("lease.pdf", b"%PDF-1.4 lease", "application/pdf", "mms")],
        )
    [document] = clio.documents.values()
    assert document["name"] == "lease.pdf" and document["parent"] == {"id": 1001, "type": "Matter"}
    assert document["fully_uploaded"] is True
    assert clio.uploads[document["uuid"]] == b"%PDF-1.4 lease"
    file_entry = OutboxEntry.objects.get(kind="file")
    assert file_entry.status == "filed" and file_entry.cms_id == str(document["id"])


def test_429_and_5xx_are_retried_and_filed_once(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    clio.fail_next("429", "500")
    file_now(matter_thread, "Hello", django_capture_on_commit_callbacks)
    assert len(clio.communications) == 1
    assert OutboxEntry.objects.get().status == "filed"


def test_a_retry_after_a_lost_answer_finds_the_communication_instead_of_duplicating(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    file_now(matter_thread, "Hello", django_capture_on_commit_callbacks)
    entry = OutboxEntry.objects.get()
    # The worker was killed after Clio created it, before we stored Clio's id.
    OutboxEntry.objects.filter(pk=entry.pk).update(status="pending", cms_id="")
    cms.file_entry(entry_id=entry.pk)
    assert len(clio.communications) == 1
    entry.refresh_from_db()
    assert entry.status == "filed" and entry.cms_id == "1"


def test_a_token_near_expiry_is_refreshed_first(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    Integration.objects.update(token_expires_at=timezone.now() + datetime.timedelta(hours=2))
    file_now(matter_thread, "Hello", django_capture_on_commit_callbacks)
    assert clio.refreshes == 1
    assert decrypt(Integration.objects.get().access_token_encrypted) == "access-2"
    assert len(clio.communications) == 1


def test_a_revoked_token_turns_the_integration_inactive_with_a_clear_message(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    clio.revoked = True
    file_now(matter_thread, "Hello", django_capture_on_commit_callbacks)
    integration = Integration.objects.get()
    assert integration.status == "token_expired"
    assert "connect Clio again" in integration.status_reason
    entry = OutboxEntry.objects.get()
    assert entry.status == "failed" and "connect Clio again" in entry.last_error


def test_requests_never_exceed_the_tokens_rate(
    clio: FakeClio,
    matter_thread: Thread,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CLIO_REQUESTS_PER_MINUTE = 180  # 3 per second, to keep the test short
    for index in range(7):
        file_now(matter_thread, f"Message {index}", django_capture_on_commit_callbacks)
    times = sorted(t for method, path, t in clio.requests if path.startswith("/api/"))
    assert len(times) == 9  # 7 communications, and once who we are and the matter's client
    assert (len(times) - 1) / (times[-1] - times[0]) <= 3.0


def test_a_file_whose_upload_answer_was_lost_is_found_at_clio_not_uploaded_twice(
    clio: FakeClio, matter_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    clio.lose_patch_answers = 1  # Clio completed the upload; the answer never came back
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_message(
            thread=matter_thread,
            direction="in",
            body="",
            channel="mms",
            status="received",
            files=[actions.NewFile("lease.pdf", b"%PDF-1.4 lease", "application/pdf", "mms")],
        )
    [document] = clio.documents.values()  # one document, not two
    file_entry = OutboxEntry.objects.get(kind="file")
    assert file_entry.status == "filed" and file_entry.attempts == 2
    assert file_entry.cms_id == str(document["id"])


def test_attach_file_from_the_case_lists_pages_and_sends_like_an_upload(
    clio: FakeClio,
    matter_thread: Thread,
    owner: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.test import Client
    from django.urls import reverse

    from messaging.sms import MemoryBackend

    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    for index in range(23):
        clio.add_document(
            1001, f"exhibit-{index:02d}.pdf", b"%PDF-1.4 " + bytes([index]), "application/pdf"
        )
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    clio.add_document(2002, "other-matter.pdf", b"%PDF-1.4 no", "application/pdf")
    client = Client()
    client.force_login(owner)
    url = reverse("cms_sync:thread-documents", args=[matter_thread.pk])
    html = client.get(reverse("messaging:thread-detail", args=[matter_thread.pk])).text
    assert "Attach file from integration" in html
    assert "Loading documents from Clio" in client.get(url).text  # a task fetches the list
    first = client.get(url).text
    assert "exhibit-00.pdf" in first and "More documents" in first and "other-matter" not in first
    found = client.get(url, {"q": "lease"}).text
    if "Loading" in found:
        found = client.get(url, {"q": "lease"}).text
    assert "signed-lease.pdf" in found and "exhibit" not in found
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("cms_sync:thread-attach", args=[matter_thread.pk]),
            {"document": [f"{lease}|signed-lease.pdf"], "body": "Here is the lease"},
        )
    message = matter_thread.messages.get(direction="out")
    attachment = message.attachments.get()
    assert attachment.filename == "signed-lease.pdf" and attachment.source == "cms"
    assert attachment.file.read() == b"%PDF-1.4 lease"
    message.refresh_from_db()
    assert message.channel == "mms" and len(MemoryBackend.outbox[0].media_urls) == 1
    # A document that came from the case is not filed back into it.
    assert not OutboxEntry.objects.filter(kind="file").exists()


def _file_notes(firm: Organization, on: bool) -> None:
    firm.file_notes_to_cms = on
    firm.save(update_fields=["file_notes_to_cms"])


def test_a_note_is_not_filed_unless_the_firm_files_notes(
    clio: FakeClio,
    firm: Organization,
    owner: User,
    matter_thread: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.write_note(thread=matter_thread, author=owner, body="Private strategy")
    assert not OutboxEntry.objects.exists()
    assert clio.notes == [] and clio.communications == []


def test_a_filed_note_becomes_a_matter_note_never_a_communication_and_a_retry_finds_it(
    clio: FakeClio,
    firm: Organization,
    owner: User,
    matter_thread: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _file_notes(firm, True)
    with django_capture_on_commit_callbacks(execute=True):
        note = actions.write_note(thread=matter_thread, author=owner, body="Offer: 40k")
    assert clio.communications == []
    [filed] = clio.notes
    assert filed["type"] == "Matter" and filed["matter"] == {"id": 1001}
    assert filed["subject"] == f"Internal note on Jane Doe ({owner.name}, Hona)"
    assert filed["detail"].startswith("Offer: 40k")
    entry = OutboxEntry.objects.get()
    assert entry.kind == "note" and entry.key == f"note:{note.pk}:1001"
    assert entry.status == "filed" and entry.cms_id == "7001"
    # The worker was killed after Clio created it, before we stored Clio's id.
    OutboxEntry.objects.filter(pk=entry.pk).update(status="pending", cms_id="")
    cms.file_entry(entry_id=entry.pk)
    assert len(clio.notes) == 1
    entry.refresh_from_db()
    assert entry.status == "filed" and entry.cms_id == "7001"
