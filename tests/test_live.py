"""Live updates: what changes in a firm reaches its open screens by server-sent events, never
another firm's, and only once the change is committed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import transaction
from django.test import Client

from hona import live
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
from messaging.portal import portal_url
from tests.conftest import receive
from tests.sse import EventStream


def test_a_client_message_is_announced_to_its_firm_once_committed(
    heard: Any,
    thread: Thread,
    other_firm: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    firm = heard["listen"](live.firm_channel(thread.organization_id))
    portal = heard["listen"](live.portal_channel(thread.pk))
    elsewhere = heard["listen"](live.firm_channel(other_firm.pk))
    with django_capture_on_commit_callbacks(execute=True):
        receive(thread)
        assert firm == []  # nothing before the commit
    assert {f"thread-{thread.pk}", "conversations", "badge"} <= set(firm)
    assert "thread" in portal
    assert elsewhere == []


def test_a_rolled_back_change_announces_nothing(
    heard: Any, thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    firm = heard["listen"](live.firm_channel(thread.organization_id))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        receive(thread)
        raise RuntimeError("the write failed")
    assert callbacks == []
    assert firm == []


def test_reading_a_thread_tells_only_that_users_other_screens(
    heard: Any,
    thread: Thread,
    owner: User,
    colleague: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        receive(thread)
    mine = heard["listen"](live.user_channel(owner.pk))
    theirs = heard["listen"](live.user_channel(colleague.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.mark_thread_read(user=owner, thread=thread)
    assert set(mine) == {"conversations", "badge"}
    assert theirs == []


def test_flagging_a_thread_moves_every_colleagues_list(
    heard: Any, thread: Thread, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    firm = heard["listen"](live.firm_channel(thread.organization_id))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_thread_flag(thread=thread, user=owner, flagged=True)
    assert "conversations" in firm


# Over HTTP: the streams as a browser opens them, on the tests' live server (WSGI, as `make run`).


def session_of(user: User) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


@pytest.fixture
def streams() -> Iterator[list[EventStream]]:
    opened: list[EventStream] = []
    yield opened
    for stream in opened:
        stream.close()


def open_stream(streams: list[EventStream], session: requests.Session, url: str) -> EventStream:
    stream = EventStream(session, url)
    streams.append(stream)
    if stream.status == 200:
        assert stream.opened.wait(5), "the stream sent nothing"
    return stream


def test_an_open_thread_hears_a_client_reply_and_another_firm_hears_nothing(
    live_server: Any,
    streams: list[EventStream],
    thread: Thread,
    owner: User,
    outsider: User,
    make_contact: Any,
    other_firm: Organization,
) -> None:
    mine = open_stream(streams, session_of(owner), f"{live_server.url}/live/")
    assert mine.status == 200
    assert mine.content_type.startswith("text/event-stream")
    theirs = open_stream(streams, session_of(outsider), f"{live_server.url}/live/")

    receive(thread, "Is my hearing still on Monday?")
    mine.wait_for(f"thread-{thread.pk}")

    # The other firm's stream is open and working (it hears its own firm) but heard nothing of ours.
    their_thread = make_contact(other_firm).thread
    receive(their_thread)
    seen = [theirs.next(), *theirs.drain()]
    assert f"thread-{their_thread.pk}" in seen
    assert f"thread-{thread.pk}" not in seen


def test_a_signed_out_browser_gets_no_stream(live_server: Any, streams: list[EventStream]) -> None:
    stream = open_stream(streams, requests.Session(), f"{live_server.url}/live/")
    assert stream.status == 401


def test_the_client_portal_hears_its_own_thread_only(
    live_server: Any,
    streams: list[EventStream],
    settings: Any,
    contact: Contact,
    make_contact: Any,
    firm: Organization,
    owner: User,
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    client = requests.Session()
    assert client.get(portal_url(contact), timeout=10).ok  # the link signs the client in
    portal = open_stream(streams, client, f"{live_server.url}/live/portal/")
    assert portal.status == 200

    neighbour = make_contact(firm)
    actions.send_message(thread=neighbour.thread, sender=owner, body="For someone else")
    assert portal.drain(1.0) == []
    actions.send_message(thread=contact.thread, sender=owner, body="Your documents are ready")
    assert portal.next() == "thread"


def test_the_portal_stream_without_a_client_session_is_the_ended_page(
    live_server: Any, streams: list[EventStream]
) -> None:
    assert open_stream(streams, requests.Session(), f"{live_server.url}/live/portal/").status == 403


def test_gunicorn_never_holds_a_worker_for_a_stream(client: Client, owner: User) -> None:
    """Production serves /live/ from the stream server; a stream sent to gunicorn by mistake is
    refused at once (the page polls) instead of holding one of its workers for hours."""
    client.force_login(owner)
    response = client.get("/live/", SERVER_SOFTWARE="gunicorn/27.0.1")
    assert response.status_code == 503
    assert b"stream server" in response.content


@pytest.mark.skipif(
    not settings.REDIS_URL and not os.environ.get("CI"), reason="needs REDIS_URL (as in CI)"
)
def test_one_changes_events_cross_redis_as_one_message_and_reach_each_channel(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    """A client's text announces four events on two channels (messaging.live.thread_changed):
    the publishing thread sends them as one Redis message, and every host's hub hands each
    channel its own."""
    import redis

    heard_firm: list[str] = []
    heard_portal: list[str] = []
    tokens = [
        live.hub().add(["firm:9917"], heard_firm.append),
        live.hub().add(["portal:9917"], heard_portal.append),
    ]
    spy = redis.Redis.from_url(str(settings.REDIS_URL)).pubsub(ignore_subscribe_messages=True)
    spy.psubscribe(live._prefix() + "*")
    try:
        assert live.hub().connected.wait(5)
        with django_capture_on_commit_callbacks(execute=True):
            live.publish_many(
                (
                    ("firm:9917", "thread-9917"),
                    ("firm:9917", "badge"),
                    ("firm:9917", "badge"),  # the same event twice is sent once
                    ("portal:9917", "thread"),
                )
            )
        deadline = time.monotonic() + 5
        while (len(heard_firm), len(heard_portal)) != (2, 1) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heard_firm == ["thread-9917", "badge"] and heard_portal == ["thread"]
        crossed = []
        until = time.monotonic() + 1
        while time.monotonic() < until:
            message = spy.get_message(timeout=0.1)  # None for the subscription's own answer
            if message is not None and b"9917" in message["channel"] + message["data"]:
                crossed.append(message)
        assert len(crossed) == 1
    finally:
        spy.close()
        for token in tokens:
            live.hub().remove(token)
