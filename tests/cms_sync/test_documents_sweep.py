"""Documents from the case whose fetch task was lost (the broker down when the message was
written, a worker killed): the message waits for them, and a sweeper on beat fetches them."""

from __future__ import annotations

import datetime
import socket
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms_sync.documents import requeue_stale_documents, send_documents
from hona.models import User
from messaging.delivery import reconcile_messages
from messaging.models import Thread
from messaging.sms import MemoryBackend
from tests.fakes.clio import FakeClio


def test_a_message_waiting_for_documents_is_not_sent_without_them_and_they_are_swept_up(
    clio: FakeClio,
    matter_thread: Thread,
    owner: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    # The broker is down at commit: the fetch task is never queued.
    with django_capture_on_commit_callbacks(execute=False):
        message = send_documents(
            thread=matter_thread, sender=owner, body="The lease", document_ids=[str(lease)]
        )
    later = timezone.now() + datetime.timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_messages(now=later)
    assert MemoryBackend.outbox == []  # the text does not go without its document
    message.refresh_from_db()
    assert message.status == "queued" and message.media_pending == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_documents(now=later) == 1
    assert [(s.body, len(s.media_urls)) for s in MemoryBackend.outbox] == [("The lease", 1)]
    assert message.attachments.get().filename == "signed-lease.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_documents(now=later) == 0  # nothing waits any more
    assert clio.downloads == [lease]


def test_a_message_whose_documents_are_still_being_fetched_is_left_alone(
    clio: FakeClio, matter_thread: Thread, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    lease = clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    with django_capture_on_commit_callbacks(execute=False):
        send_documents(
            thread=matter_thread, sender=owner, body="The lease", document_ids=[str(lease)]
        )
    assert requeue_stale_documents(now=timezone.now() + datetime.timedelta(minutes=1)) == 0


def test_while_redis_is_down_the_document_picker_says_so_instead_of_failing(
    clio: FakeClio, matter_thread: Thread, owner: User, client: Client, settings: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there: Redis is down
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    client.force_login(owner)
    response = client.get(reverse("cms_sync:thread-documents", args=[matter_thread.pk]))
    assert response.status_code == 200
    assert "cannot be listed right now" in response.text
    assert clio.requests == []
