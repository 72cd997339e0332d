"""What staff see of each message in a thread (messaging/templatetags/message_bubbles.py): its
text, files, sender, delivery status and error, and where it was filed, every value escaped."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms_sync.models import Integration, OutboxEntry
from hona.models import Organization, User
from messaging.models import Attachment, Contact, Message, Thread
from projects.actions import create_project
from projects.models import Project


@pytest.fixture
def case(firm: Organization) -> Project:
    project = create_project(organization=firm, name="Brooks <Divorce>", cms_case_id="1001")
    Project.objects.filter(pk=project.pk).update(cms_case_url="https://cms.example/cases/1001")
    project.refresh_from_db()
    return project


@pytest.fixture
def clio(firm: Organization) -> Integration:
    return Integration.objects.create(organization=firm, kind="clio", status="active")


@pytest.fixture
def thread_with_case(
    firm: Organization, make_contact: Callable[..., Contact], case: Project
) -> Thread:
    other = create_project(organization=firm, name="Brooks Custody")
    contact = make_contact(firm, "Jasmine <Brooks>", projects=[case, other])
    Thread.objects.filter(contact=contact).update(current_project=case)
    return Thread.objects.get(contact=contact)


_clock = [timezone.now() - datetime.timedelta(days=1)]


def _message(thread: Thread, **fields: object) -> Message:
    fields.setdefault("direction", "in")
    fields.setdefault("channel", "sms")
    fields.setdefault("status", "received")
    fields.setdefault("project_id", thread.current_project_id)
    _clock[0] += datetime.timedelta(minutes=1)  # in the order written, oldest first
    fields.setdefault("created_at", _clock[0])
    fields.setdefault("status_changed_at", _clock[0])
    return Message.objects.create(organization=thread.organization, thread=thread, **fields)


def _entry(message: Message, integration: Integration, **fields: object) -> OutboxEntry:
    assert message.project is not None
    return OutboxEntry.objects.create(
        organization=message.organization,
        integration=integration,
        message=message,
        project=message.project,
        case_id=message.project.cms_case_id,
        key=f"test-{message.pk}-{fields.get('kind')}-{OutboxEntry.objects.count()}",
        **fields,
    )


def _bubble(html: str, message: Message) -> str:
    start = rf'<li class="message [^"]*" id="message-{message.pk}">'
    match = re.search(start + r"(.*?)</li>\s*(?=<li|$)", html, re.S)
    assert match, f"message {message.pk} is not on the page"
    return match.group(1)


def test_each_message_shows_its_text_files_sender_status_errors_and_receipt(
    client: Client,
    colleague: User,
    thread_with_case: Thread,
    clio: Integration,
) -> None:
    thread = thread_with_case
    User.objects.filter(pk=colleague.pk).update(display_name="Sam <Staff>")
    colleague.refresh_from_db()
    asked = _message(thread, body="Is it <b>done</b>? See https://example.com/x\nThanks")
    _entry(asked, clio, kind="message", status="filed", cms_id="c-1", filed_at=timezone.now())
    sent = _message(
        thread, direction="out", sender=colleague, body="Here it is", status="delivered"
    )
    scan = Attachment.objects.create(
        organization=thread.organization, message=sent, filename="scan <1>.png",
        content_type="image/png", size=2048, file="attachments/scan.png", source="upload",
    )  # fmt: skip
    _entry(sent, clio, kind="message", status="failed", last_error="Clio said <no>")
    _entry(sent, clio, kind="file", attachment=scan, status="pending")
    failed = _message(
        thread, direction="out", body="Hello?", status="failed",
        error_reason="The number can't receive texts.", error_code="30006",
    )  # fmt: skip
    fell_back = _message(
        thread, direction="out", body="Sent by email", status="sent", channel="email",
        error_reason="Sent by email instead: the text failed.",
    )  # fmt: skip
    no_project = _message(thread, body="Before the case", project_id=None)
    intake = create_project(organization=thread.organization, name="Intake <new>")
    unlinked = _message(thread, body="Unlinked case", project_id=intake.pk)

    client.force_login(colleague)
    with CaptureQueriesContext(connection) as page_queries:
        html = client.get(f"/conversations/{thread.pk}/").text
    # Files and receipts come in one query each, however many messages have them.
    assert len(page_queries) <= 8, [q["sql"][:80] for q in page_queries]

    bubble = _bubble(html, asked)
    assert "Is it &lt;b&gt;done&lt;/b&gt;?" in bubble
    assert '<a href="https://example.com/x" rel="nofollow">https://example.com/x</a><br>' in bubble
    assert '<span class="message-sender">Jasmine &lt;Brooks&gt;</span>' in bubble
    assert "Filed to case 1001" in bubble
    assert '<a href="https://cms.example/cases/1001" target="_blank" rel="noopener">' in bubble
    assert "message-status" not in bubble  # a client's message has no delivery status

    bubble = _bubble(html, sent)
    assert '<span class="message-sender">Sam &lt;Staff&gt;</span>' in bubble
    download = reverse("messaging:attachment-download", args=[scan.pk])
    assert f'<img src="{download}?inline=1"' in bubble and f'href="{download}" download>' in bubble
    assert 'alt="scan &lt;1&gt;.png"' in bubble and "2.0\xa0KB" in bubble
    assert "Not filed: Clio said &lt;no&gt;" in bubble
    retry = re.search(r'<form class="filing-retry" method="post" action="([^"]+)"', bubble)
    failed_entry = OutboxEntry.objects.get(status="failed")
    assert retry and retry.group(1) == reverse("cms_sync:entry-retry", args=[failed_entry.pk])
    assert 'name="csrfmiddlewaretoken"' in bubble
    assert "Filing scan &lt;1&gt;.png to case 1001…" in bubble
    assert 'class="message-status status-delivered">Delivered<' in bubble

    bubble = _bubble(html, failed)
    assert '<span class="message-sender">Automated</span>' in bubble
    assert '<p class="message-error" role="note">' in bubble
    assert "The number can&#x27;t receive texts." in bubble and "Twilio error 30006" in bubble

    bubble = _bubble(html, fell_back)
    assert '<p class="message-note muted small">Sent by email instead: the text failed.' in bubble
    assert '<span class="message-channel">Email</span>' in bubble

    assert "Not filed to a case: no project (kept in Hona)." in _bubble(html, no_project)
    assert "Intake &lt;new&gt; is not linked to a case in your CMS." in _bubble(html, unlinked)

    # Filing elsewhere offers the contact's other case only, never the message's own.
    refile = re.search(r'<select class="input" id="refile-\d+" name="project">(.*?)</select>',
                       _bubble(html, asked), re.S)  # fmt: skip
    assert refile and re.findall(r">([^<]+)</option>", refile.group(1)) == ["Brooks Custody"]
