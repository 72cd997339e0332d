"""Filing errors are codes beside the words, and the advice on the integration page reads them."""

from __future__ import annotations

import socket
from typing import Any

from django.test import Client
from django.urls import reverse

from cms_sync import actions as cms
from cms_sync.errors import FilingError
from cms_sync.models import OutboxEntry
from hona.models import Organization, User
from messaging.models import Thread
from tests.conftest import receive
from tests.fakes.receiver import Receiver


def filed(callbacks: Any, thread: Thread, body: str = "Hello") -> OutboxEntry:
    with callbacks(execute=True):
        receive(thread, body)
    entry = OutboxEntry.objects.order_by("-pk").first()
    assert entry is not None
    return entry


def test_a_cms_down_through_every_retry_gives_up_with_a_code(
    firm: Organization,
    owner: User,
    matter_thread: Thread,
    loopback_webhooks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe closes
    cms.connect_webhook(organization=firm, user=owner, url=f"http://127.0.0.1:{port}/hona")
    entry = filed(django_capture_on_commit_callbacks, matter_thread)
    assert entry.status == "failed" and entry.error_code == FilingError.GAVE_UP
    assert entry.attempts == 8 and "Gave up after 8 tries" in entry.last_error


def test_a_refusal_keeps_the_cmss_reason_as_a_code_and_the_page_advises_by_it(
    client: Client,
    firm: Organization,
    owner: User,
    matter_thread: Thread,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.script.append("404")
    entry = filed(django_capture_on_commit_callbacks, matter_thread)
    assert entry.status == "failed" and entry.error_code == FilingError.NOT_FOUND
    client.force_login(owner)
    page = client.get(reverse("cms_sync:integration")).text
    assert "The webhook refused the entry (404)." in page
    assert "Check that the project is linked to the right case id in your CMS." in page


def test_a_redirect_is_its_own_code(
    matter_thread: Thread, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script.append("redirect:https://elsewhere.example/hona")
    entry = filed(django_capture_on_commit_callbacks, matter_thread)
    assert entry.error_code == FilingError.REDIRECT


def test_an_integration_that_is_not_active_is_its_own_code(
    firm: Organization,
    matter_thread: Thread,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        receive(matter_thread, "Queued while connected")
    integration = cms.active_integration(firm.pk)
    assert integration is not None
    cms.disconnect(integration=integration)
    entry = OutboxEntry.objects.get()
    assert cms.file_entry(entry_id=entry.pk) is None
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.error_code == FilingError.NOT_ACTIVE


def test_a_retry_by_a_person_clears_the_code(
    matter_thread: Thread, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script.append("404")
    entry = filed(django_capture_on_commit_callbacks, matter_thread)
    with django_capture_on_commit_callbacks(execute=True):
        cms.retry_entry(entry=entry)
    entry.refresh_from_db()
    assert entry.status == "filed" and entry.error_code == "" and entry.last_error == ""
