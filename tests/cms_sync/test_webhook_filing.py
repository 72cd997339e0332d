"""Every message and file on a linked project is filed to the firm's CMS webhook, exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cms_sync import actions as cms
from cms_sync.models import Integration, OutboxEntry, RefileAudit
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread
from projects.actions import create_project
from projects.models import Project
from tests.conftest import receive
from tests.fakes.receiver import Receiver


@pytest.fixture
def case(firm: Organization, contact: Contact) -> Project:
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    actions.add_contact_to_project(contact=contact, project=project)
    return project


@pytest.fixture
def filed_thread(case: Project, contact: Contact) -> Thread:
    return Thread.objects.get(contact=contact)


def run(callbacks: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with callbacks(execute=True):
        return fn(*args, **kwargs)


def test_a_client_message_is_filed_once_with_a_signed_post(
    receiver: Receiver, filed_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    message = run(django_capture_on_commit_callbacks, receive, filed_thread, "Where is my check?")
    [entry] = OutboxEntry.objects.all()
    assert entry.status == "filed" and entry.cms_id == "cms-1"
    [posted] = receiver.received
    assert posted["case_id"] == "1001" and posted["text"] == "Where is my check?"
    assert posted["direction"] == "from_client" and posted["contact"]["name"] == "Jane Doe"
    assert receiver.keys == [f"message:{message.pk}:1001"]
    assert receiver.bad_signatures == 0


def test_files_are_filed_as_their_own_entries(
    receiver: Receiver,
    filed_thread: Thread,
    owner: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_BACKEND = "memory"
    run(
        django_capture_on_commit_callbacks,
        actions.send_message,
        thread=filed_thread,
        sender=owner,
        body="The signed retainer",
        files=[actions.NewFile("retainer.pdf", b"%PDF-1.4 x", "application/pdf")],
    )
    kinds = sorted(OutboxEntry.objects.values_list("kind", "status"))
    assert kinds == [("file", "filed"), ("message", "filed")]
    file_post = next(p for p in receiver.received if p["type"] == "file")
    assert file_post["file"]["name"] == "retainer.pdf"
    assert file_post["file"]["url"].startswith("http://127.0.0.1:8000/cms-files/")


def test_server_errors_and_429_are_retried_and_the_entry_is_still_filed_once(
    receiver: Receiver, filed_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script.extend(["500", "429", "500"])
    run(django_capture_on_commit_callbacks, receive, filed_thread, "Hello")
    entry = OutboxEntry.objects.get()
    assert entry.status == "filed" and entry.attempts == 4
    assert len(receiver.received) == 1


def test_a_retried_delivery_carries_the_same_idempotency_key(
    receiver: Receiver, filed_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    message = run(django_capture_on_commit_callbacks, receive, filed_thread, "Hello")
    entry = OutboxEntry.objects.get()
    # A worker died after posting but before recording it: the entry is filed again.
    OutboxEntry.objects.filter(pk=entry.pk).update(status="pending", cms_id="")
    cms.file_entry(entry_id=entry.pk)
    assert receiver.keys == [f"message:{message.pk}:1001"] * 2
    assert len(receiver.received) == 1  # the receiver ignored the repeat by its key


def test_the_same_item_and_case_is_queued_only_once(
    receiver: Receiver, filed_thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    message = run(django_capture_on_commit_callbacks, receive, filed_thread, "Hello")
    assert run(django_capture_on_commit_callbacks, cms.queue_message, message=message) == []
    assert OutboxEntry.objects.count() == 1


def test_a_refused_entry_fails_with_its_reason_and_retry_files_it(
    receiver: Receiver,
    filed_thread: Thread,
    owner: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.script.append("400")
    run(django_capture_on_commit_callbacks, receive, filed_thread, "Hello")
    entry = OutboxEntry.objects.get()
    assert entry.status == "failed" and "refused the entry (400)" in entry.last_error
    client.force_login(owner)
    html = client.get(reverse("messaging:thread-detail", args=[filed_thread.pk])).text
    assert "Not filed: The webhook refused the entry (400)." in html and "Retry" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cms_sync:entry-retry", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == "filed"
    html = client.get(reverse("messaging:thread-detail", args=[filed_thread.pk])).text
    assert "Filed to case 1001" in html


def test_an_outsider_cannot_retry_another_firms_entry(
    receiver: Receiver,
    filed_thread: Thread,
    outsider: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.script.append("400")
    run(django_capture_on_commit_callbacks, receive, filed_thread, "Hello")
    entry = OutboxEntry.objects.get()
    client.force_login(outsider)
    assert client.post(reverse("cms_sync:entry-retry", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.status == "failed"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("no-project", "Not filed to a case: no project"),
        ("unlinked", "is not linked to a case in your CMS"),
        ("inactive", "not being filed to your CMS: no CMS integration is connected"),
    ],
)
def test_the_thread_says_why_a_message_was_not_filed(
    client: Client,
    firm: Organization,
    owner: User,
    contact: Contact,
    setup: str,
    expected: str,
) -> None:
    if setup == "unlinked":
        project = create_project(organization=firm, name="Unlinked matter")
        actions.add_contact_to_project(contact=contact, project=project)
    if setup == "inactive":
        project = create_project(organization=firm, name="Linked", cms_case_id="1002")
        actions.add_contact_to_project(contact=contact, project=project)
    thread = Thread.objects.get(contact=contact)
    receive(thread, "Hello")
    client.force_login(owner)
    assert expected in client.get(reverse("messaging:thread-detail", args=[thread.pk])).text


def test_refiling_a_message_to_another_case_is_audited(
    receiver: Receiver,
    filed_thread: Thread,
    firm: Organization,
    owner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = run(django_capture_on_commit_callbacks, receive, filed_thread, "Wrong case")
    other = create_project(organization=firm, name="The right case", cms_case_id="1005")
    run(
        django_capture_on_commit_callbacks,
        cms.refile_message,
        message=message,
        project=other,
        user=owner,
    )
    audit = RefileAudit.objects.get()
    assert audit.from_project is not None and audit.from_project.cms_case_id == "1001"
    assert (audit.user, audit.to_project) == (owner, other)
    assert sorted(OutboxEntry.objects.values_list("case_id", "status")) == [
        ("1001", "filed"),
        ("1005", "filed"),
    ]
    message.refresh_from_db()
    assert message.project == other


def test_one_connected_integration_per_firm(
    firm: Organization, owner: User, receiver: Receiver
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Disconnect the current integration first"):
        cms.connect_webhook(organization=firm, user=owner, url="http://127.0.0.1:9/other")
    integration = Integration.objects.get()
    assert integration.secret_encrypted and receiver.secret not in integration.secret_encrypted
    cms.disconnect(integration=integration)
    cms.connect_webhook(organization=firm, user=owner, url="http://127.0.0.1:9/other")
    assert Integration.objects.filter(status="active").count() == 1


def test_imported_history_is_not_filed(receiver: Receiver, filed_thread: Thread) -> None:
    from django.utils import timezone

    actions.record_message(
        thread=filed_thread, direction="in", body="old", channel="sms", status="received",
        created_at=timezone.now(),
    )  # fmt: skip
    assert not OutboxEntry.objects.exists()
    assert Message.objects.count() == 1


def test_staff_refile_a_message_from_the_thread_and_outsiders_cannot(
    receiver: Receiver,
    filed_thread: Thread,
    firm: Organization,
    contact: Contact,
    owner: User,
    outsider: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = run(django_capture_on_commit_callbacks, receive, filed_thread, "For the other case")
    other = create_project(organization=firm, name="Custody", cms_case_id="1007")
    actions.add_contact_to_project(contact=contact, project=other)
    url = reverse("cms_sync:message-refile", args=[message.pk])
    client.force_login(outsider)
    assert client.post(url, {"project": other.pk}).status_code == 404
    client.force_login(owner)
    html = client.get(reverse("messaging:thread-detail", args=[filed_thread.pk])).text
    assert "File to another project" in html
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"project": other.pk}).status_code == 302
    assert RefileAudit.objects.get().to_project == other
    assert OutboxEntry.objects.filter(case_id="1007", status="filed").exists()


def test_a_filing_whose_task_was_lost_is_picked_up_by_the_sweeper(
    receiver: Receiver, filed_thread: Thread
) -> None:
    import datetime

    from django.utils import timezone

    receive(filed_thread, "Lost task")  # not in a captured commit: its task never ran
    entry = OutboxEntry.objects.get()
    assert entry.status == "pending"
    assert cms.requeue_stale_entries() == 0  # too fresh to call lost
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert cms.requeue_stale_entries(now=later) == 1
    entry.refresh_from_db()
    assert entry.status == "filed" and len(receiver.received) == 1


def test_the_sender_is_told_when_their_message_could_not_be_filed(
    receiver: Receiver,
    filed_thread: Thread,
    owner: User,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from notifications.models import Notification

    settings.SMS_BACKEND = "memory"
    receiver.script.append("400")
    run(
        django_capture_on_commit_callbacks,
        actions.send_message,
        thread=filed_thread,
        sender=owner,
        body="Filed?",
    )
    notice = Notification.objects.get(user=owner, kind="cms_failed")
    assert notice.title == "Your message to Jane Doe was not filed to the case"
    assert "refused the entry (400)" in notice.body
    client.force_login(owner)
    html = client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "was not filed to the case" in html


def test_a_note_is_posted_marked_internal_when_the_firm_files_notes(
    receiver: Receiver,
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    run(
        django_capture_on_commit_callbacks,
        actions.write_note,
        thread=filed_thread,
        author=owner,
        body="Not for the client",
    )
    assert receiver.received == []  # the firm files no notes by default
    firm.file_notes_to_cms = True
    firm.save(update_fields=["file_notes_to_cms"])
    note = run(
        django_capture_on_commit_callbacks,
        actions.write_note,
        thread=filed_thread,
        author=owner,
        body="Filed note",
    )
    [posted] = receiver.received
    assert posted["direction"] == "internal" and posted["text"] == "Filed note"
    assert posted["staff"] == owner.name and posted["channel"] == ""
    assert receiver.keys == [f"note:{note.pk}:1001"]
