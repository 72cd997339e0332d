"""Live updates across hosts: a change written by one process (a web host, a worker) reaches a
screen whose stream another process serves, the production stream server (uvicorn, ASGI),
through Redis pub/sub."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from hona.models import Organization, User
from messaging import actions
from messaging.models import Thread
from tests.conftest import receive
from tests.perf.workers import stop_worker
from tests.sse import EventStream
from tests.test_live import session_of
from tests.test_shared_bucket import free_port
from tests.test_worker import ROOT, pytestmark, wait_for

__all__ = ["pytestmark"]  # the real worker's marks: PostgreSQL and Redis, as in CI


@pytest.fixture
def stream_server(tmp_path: Path) -> Iterator[str]:
    """`uvicorn hona.asgi:application`, as docker-compose's `stream` service runs it."""
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_DEBUG": "true",
        "LIVE_HEARTBEAT_SECONDS": "2",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "stream.log").open("ab")
    serve = [sys.executable, "-m", "uvicorn", "hona.asgi:application", "--no-access-log"]
    process = subprocess.Popen(
        [*serve, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            return requests.get(f"{url}/healthz/", timeout=2).ok
        except requests.RequestException:
            return False

    try:
        wait_for(answering, seconds=60)
        yield url
    finally:
        stop_worker(process, timeout=10)


def test_a_reply_recorded_on_another_host_reaches_a_stream_the_stream_server_holds(
    stream_server: str,
    thread: Thread,
    owner: User,
    outsider: User,
    other_firm: Organization,
    make_contact: Any,
) -> None:
    mine = EventStream(session_of(owner), f"{stream_server}/live/")
    theirs = EventStream(session_of(outsider), f"{stream_server}/live/")
    try:
        assert mine.status == 200
        assert mine.content_type.startswith("text/event-stream")
        assert mine.opened.wait(10) and theirs.opened.wait(10)
        # Written here (another process than the stream server), carried by Redis.
        receive(thread, "Running ten minutes late")
        mine.wait_for(f"thread-{thread.pk}", seconds=5)
        # The staff member sends from another host: the status changes come through too.
        actions.send_message(thread=thread, sender=owner, body="No problem")
        mine.wait_for(f"thread-{thread.pk}", seconds=5)
        # An idle stream keeps the connection alive with heartbeats, and the other firm heard only
        # its own firm.
        receive(make_contact(other_firm).thread)
        seen = [theirs.next(seconds=5), *theirs.drain(3.0)]
        assert f"thread-{thread.pk}" not in seen
        assert "heartbeat" in theirs.comments
    finally:
        mine.close()
        theirs.close()


def test_the_stream_server_turns_away_a_signed_out_browser(stream_server: str) -> None:
    assert requests.get(f"{stream_server}/live/", timeout=5).status_code == 401
