"""End to end through a real Celery worker: Redis as the broker, PostgreSQL shared with it.

These run where CI runs them: with REDIS_URL set and DATABASE_URL on PostgreSQL (a worker in
another process cannot see an SQLite test database held in memory).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from twilio.request_validator import RequestValidator

from hona.models import User
from hona.queues import all_queues
from messaging.models import Message, Thread
from tests.fakes.twilio import FakeTwilio
from tests.perf.workers import stop_worker

ROOT = Path(__file__).resolve().parents[1]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    # In CI (CI=true) these must run: a missing Redis or PostgreSQL there fails instead of skipping.
    pytest.mark.skipif(
        not (settings.REDIS_URL and ON_POSTGRES) and not os.environ.get("CI"),
        reason="needs REDIS_URL and DATABASE_URL on PostgreSQL (as in CI); `make test` alone "
        "runs tasks in-process",
    ),
]


def wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not get there in time")


def start_worker(prefix: str, log_path: Path, **extra: str) -> subprocess.Popen[bytes]:
    """A worker reading every queue of `prefix` (see own_queues)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE_PREFIX": prefix,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hona", "worker", "--pool=solo",
         "-Q", ",".join(all_queues(prefix)),
         "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def own_queues(settings: Any) -> str:
    """Queues of this test's own (a prefix no other run shares): this process publishes to them
    until the test ends (pytest-django's `settings` puts the prefix back)."""
    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    settings.CELERY_QUEUE_PREFIX = prefix
    return prefix


@pytest.fixture
def worker(
    fake_twilio: FakeTwilio, tmp_path: Path, settings: Any
) -> Iterator[subprocess.Popen[bytes]]:
    db = connection.settings_dict
    queue = own_queues(settings)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE_PREFIX": queue,
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hona", "worker", "--pool=solo",
         "-Q", ",".join(all_queues(queue)),
         "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        stop_worker(process, timeout=10)
        log.close()


def test_a_message_sent_from_the_browser_is_delivered_by_the_worker(
    worker: Any, fake_twilio: FakeTwilio, client: Client, thread: Thread, colleague: User
) -> None:
    client.force_login(colleague)
    response = client.post(
        f"/conversations/{thread.pk}/send/", {"body": "Delivered by a real worker"}
    )
    assert response.status_code == 302
    message = Message.objects.get(thread=thread)
    assert message.status in {"queued", "sending"}  # the web request only enqueued it

    def accepted() -> bool:
        message.refresh_from_db()
        return bool(message.provider_sid)

    wait_for(accepted)
    assert [m["body"] for m in fake_twilio.messages] == ["Delivered by a real worker"]
    assert message.provider_sid == fake_twilio.messages[0]["sid"]


def test_inbound_media_is_fetched_by_the_worker(
    worker: Any, fake_twilio: FakeTwilio, client: Client, thread: Thread, settings: Any
) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token
    url = fake_twilio.add_media("ME7", b"%PDF-1.4 lease", "application/pdf")
    params = {
        "MessageSid": "SM" + "7" * 32,
        "From": thread.contact.phone,
        "To": thread.organization.sms_number,
        "Body": "The lease",
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": "application/pdf",
    }
    path = "/webhooks/twilio/messages/"
    signature = RequestValidator(fake_twilio.auth_token).compute_signature(
        settings.PUBLIC_BASE_URL + path, params
    )
    assert client.post(path, params, headers={"X-Twilio-Signature": signature}).status_code == 200
    message = Message.objects.get(provider_sid=params["MessageSid"])
    wait_for(lambda: message.attachments.exists())
    assert message.attachments.get().file.read() == b"%PDF-1.4 lease"


def test_a_filing_survives_a_worker_killed_mid_task_and_lands_in_clio_once(
    tmp_path: Path, settings: Any, client: Client, thread: Thread, owner: User
) -> None:
    import signal

    from cms_sync import actions as cms
    from cms_sync.models import OutboxEntry
    from messaging import actions
    from projects.actions import create_project
    from tests.conftest import receive
    from tests.fakes.clio import FakeClioServer

    queue = own_queues(settings)
    with FakeClioServer() as clio:
        settings.CLIO_BASE_URL = clio.base_url
        cms.connect_clio(
            organization=thread.organization, user=owner, code="good-code", redirect_uri="x"
        )
        project = create_project(organization=thread.organization, name="Case", cms_case_id="1001")
        actions.add_contact_to_project(contact=thread.contact, project=project)
        clio.answer_delay = 30.0  # the first worker will be killed while it waits
        first = start_worker(queue, tmp_path / "worker1.log", CLIO_BASE_URL=clio.base_url)
        try:
            receive(Thread.objects.get(pk=thread.pk), "File me exactly once")
            wait_for(lambda: len(clio.communications) == 1)
            first.send_signal(signal.SIGKILL)  # mid-task: Clio created it, we never heard back
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        entry = OutboxEntry.objects.get()
        assert entry.status == "pending"
        clio.answer_delay = 0.0
        # Later, the sweeper finds the orphaned entry and a new worker files it.
        assert entry.in_flight_until is not None
        later = entry.in_flight_until + datetime.timedelta(minutes=10)
        assert cms.requeue_stale_entries(now=later) == 1
        second = start_worker(queue, tmp_path / "worker2.log", CLIO_BASE_URL=clio.base_url)
        try:
            wait_for(lambda: OutboxEntry.objects.get().status == "filed")
        finally:
            second.terminate()
            second.wait(10)
    assert len(clio.communications) == 1
    assert OutboxEntry.objects.get().cms_id == "1"
