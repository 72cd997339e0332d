"""A new portal link through real Celery workers (Redis broker, PostgreSQL shared with them): a
worker killed while it sends the link loses nothing and doubles nothing.

Run where CI runs them: REDIS_URL set and DATABASE_URL on PostgreSQL (see tests/test_worker.py).
"""

from __future__ import annotations

import datetime
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db.models import F
from django.test import Client

from messaging import tasks
from messaging.delivery import reconcile_messages
from messaging.models import Message, Thread
from messaging.portal import portal_url
from tests.fakes.twilio import FakeTwilio, FakeTwilioServer
from tests.test_worker import own_queues, start_worker, wait_for
from tests.test_worker import pytestmark as worker_marks

pytestmark = worker_marks


@dataclass
class Held:
    """The first message create request to the fake Twilio is held until `release` is set."""

    twilio: FakeTwilio
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@contextmanager
def held_twilio(moment: str) -> Iterator[Held]:
    """A fake Twilio whose first send hangs: before it takes the message ("before"), or after
    it took it, with the answer never sent ("after"). Later requests are answered as usual."""
    server = FakeTwilioServer()
    handler: Any = server.httpd.RequestHandlerClass
    held = Held(server.state)
    first = threading.Lock()

    def hold(request: Any) -> None:
        held.arrived.set()
        held.release.wait(60)
        request.close_connection = True  # whoever asked is gone; no answer goes back

    class HoldingHandler(handler):
        def do_POST(self) -> None:
            if moment == "before" and first.acquire(blocking=False):
                held.twilio.requests.append(("POST", urlsplit(self.path).path))
                return hold(self)
            return super().do_POST()

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            if moment == "after" and status == 201 and first.acquire(blocking=False):
                return hold(self)
            return super()._json(status, payload)

    server.httpd.RequestHandlerClass = HoldingHandler
    with server:
        try:
            yield held
        finally:
            held.release.set()


def twilio_env(twilio: FakeTwilio) -> dict[str, str]:
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
    }


def expired_link_path(thread: Thread, settings: Any) -> str:
    long_ago = time.time() - (settings.PORTAL_LINK_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        return portal_url(thread.contact).removeprefix(settings.PUBLIC_BASE_URL)


@pytest.fixture
def queue(settings: Any) -> str:
    return own_queues(settings)


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_new_link_survives_a_worker_killed_while_sending_it_and_is_texted_exactly_once(
    tmp_path: Path, settings: Any, client: Client, thread: Thread, queue: str, moment: str
) -> None:
    with held_twilio(moment) as held:
        env = twilio_env(held.twilio)
        first = start_worker(queue, tmp_path / "worker1.log", **env)
        try:
            page = client.post(expired_link_path(thread, settings))  # "Send me a new link"
            assert "We are texting a new link to your phone number on file." in page.text
            assert held.arrived.wait(30), "the worker never tried to send the link"
            first.send_signal(signal.SIGKILL)  # mid-send, before Twilio's answer came back
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
            held.release.set()
        notice = Message.objects.get(thread=thread, kind=Message.Kind.PORTAL_LINK)
        assert notice.status == "sending" and notice.provider_sid == ""  # claimed, unanswered
        assert len(held.twilio.messages) == (1 if moment == "after" else 0)

        # Minutes later: the dead worker's task is still unacknowledged in the broker (for the
        # visibility timeout), but the sweeper finds the message by its state and re-queues it.
        Message.objects.filter(pk=notice.pk).update(
            send_started_at=F("send_started_at") - datetime.timedelta(minutes=2)
        )
        later = notice.status_changed_at + datetime.timedelta(minutes=5)
        assert reconcile_messages(now=later) == 1
        log = tmp_path / "worker2.log"
        second = start_worker(queue, log, **env)
        try:
            wait_for(lambda: bool(Message.objects.get(pk=notice.pk).provider_sid))
            # A retry after that (a redelivery, the sweeper again) texts nothing more.
            retry = tasks.deliver_message.delay(notice.pk)
            wait_for(lambda: f"[{retry.id}] succeeded" in log.read_text())
        finally:
            second.terminate()
            second.wait(10)

    notice.refresh_from_db()
    [texted] = held.twilio.messages
    assert texted["to"] == thread.contact.phone and texted["body"] == notice.body
    assert notice.provider_sid == texted["sid"] and notice.status == "sending"
    creates = [r for r in held.twilio.requests if r == ("POST", texted_path(held.twilio))]
    assert len(creates) == (2 if moment == "before" else 1)  # the held one and the one sent


def texted_path(twilio: FakeTwilio) -> str:
    return f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
