"""Live updates: what changed reaches every open screen by server-sent events.

An event is a name on a channel: `thread-42` on a firm's channel says thread 42 changed; the
pages listening for it (htmx's SSE extension, `hx-trigger="sse:thread-42"`) fetch what they show
again through their usual views, so a stream never carries data and needs no access rules beyond
choosing its channels: a staff screen listens to its firm's and its user's, a portal screen to its
thread's.

- `publish(channel, event)` sends once the transaction commits (nothing for a rolled-back write),
  through a thread of the process, so no request or task ever waits on Redis for it;
  `publish_many` sends several at once; the thread sends what it has as one Redis message.
- With REDIS_URL, events go through Redis pub/sub, so a change made on any web or worker host
  reaches streams on every host. Without it (the embedded default) an in-process channel carries
  them, which is all one `runserver` needs.
- Each process has one hub: one Redis subscription (a pattern over every channel) that hands each
  event to the streams open in this process, so a thousand open screens cost one Redis connection.
- `stream_response` serves a channel set: an async generator under ASGI (the production stream
  server, uvicorn: no thread per connection), a blocking one under WSGI (runserver, the tests'
  live server). A comment line every LIVE_HEARTBEAT_SECONDS keeps proxies from closing an idle
  stream.
- When the hub's Redis subscription breaks, it reconnects and sends `resync` to every stream: the
  pages fetch everything again, since events published meanwhile were missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from hona.redis_client import shared_redis

logger = logging.getLogger(__name__)


def _prefix() -> str:
    """Channels' names in Redis. Pub/sub ignores Redis's numbered databases, so the number is
    part of the name: two installs (or test runs) on one Redis with different databases never
    hear each other."""
    database = urlsplit(str(settings.REDIS_URL)).path.strip("/") or "0"
    return f"hona:live:{database}:"


RESYNC = "resync"
# The Redis channel (after the prefix) that carries a publishing thread's batch of events.
BATCH = "batch"
BATCH_WAIT = 0.02  # seconds the publishing thread gathers events before it sends them
# An idle stream sends a comment line every LIVE_HEARTBEAT_SECONDS (25 by default: under the 60 s
# idle timeout of common proxies).
# How long a browser waits before it reconnects a dropped stream (the SSE `retry` field), in ms.
RETRY_MS = 3000

Deliver = Callable[[str], None]


def firm_channel(organization_id: int) -> str:
    return f"firm:{organization_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def portal_channel(thread_id: int) -> str:
    return f"portal:{thread_id}"


def publish(channel: str, event: str) -> None:
    """Announce `event` on `channel` once the current transaction commits (at once outside one).
    It never raises: a live update that cannot be sent is logged, and pages catch up on their
    next event or reconnect."""
    publish_many(((channel, event),))


def publish_many(events: Iterable[tuple[str, str]]) -> None:
    """Several (channel, event) pairs, announced together once the transaction commits: one
    hand-over to the publishing thread, and one Redis message per channel."""
    pending = tuple(events)
    transaction.on_commit(lambda: send(pending))


def send(events: tuple[tuple[str, str], ...]) -> None:
    """Hand the events on now. With Redis, a thread of this process publishes them: the request
    or task that made the change never waits on Redis (a hung Redis costs live updates, not
    time)."""
    if not settings.REDIS_URL:
        for channel, event in events:
            hub().dispatch(channel, event)
        return
    outbox = _publisher()
    try:
        outbox.put_nowait(events)
    except queue.Full:
        logger.warning("Live updates %s dropped: Redis is not taking them", events)


# The events waiting for this process's publishing thread, made again in a forked child (a
# Celery worker process) whose copy of a parent's thread and queue would never run.
_OUTBOX_SIZE = 10_000
_outbox: queue.Queue[tuple[tuple[str, str], ...]] | None = None
_outbox_pid = 0
_outbox_lock = threading.Lock()


def _publisher() -> queue.Queue[tuple[tuple[str, str], ...]]:
    global _outbox, _outbox_pid
    with _outbox_lock:
        if _outbox is None or _outbox_pid != os.getpid():
            _outbox, _outbox_pid = queue.Queue(maxsize=_OUTBOX_SIZE), os.getpid()
            threading.Thread(
                target=_publish_forever, args=(_outbox,), name="hona-live-publish", daemon=True
            ).start()
        return _outbox


def _publish_forever(outbox: queue.Queue[tuple[tuple[str, str], ...]]) -> None:
    while True:
        batch = [outbox.get()]
        # A moment for what else this process is about to announce: under load one Redis message
        # (and one wake of this thread) carries several requests' events. Streams hear of a
        # change that much later, against their target of a second.
        time.sleep(BATCH_WAIT)
        while len(batch) < 500:
            try:
                batch.append(outbox.get_nowait())
            except queue.Empty:
                break
        # One Redis message for the whole batch, on BATCH: a line "<channel> <event>" each (the
        # same event twice is sent once). Names never hold a space or a line break.
        lines = "\n".join(
            dict.fromkeys(f"{channel} {event}" for events in batch for channel, event in events)
        )
        try:
            _redis().execute_command("PUBLISH", _prefix() + BATCH, lines)
        except Exception:
            logger.warning("Live updates not sent: %s", lines.replace("\n", ", "), exc_info=True)


def _redis() -> Any:
    return shared_redis(socket_timeout=2)


class Hub:
    """This process's open streams by channel, fed by one Redis subscription (or by `send`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, dict[int, Deliver]] = {}
        self._next = 0
        self._reader: threading.Thread | None = None
        self.connected = threading.Event()

    def add(self, channels: Iterable[str], deliver: Deliver) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            for channel in channels:
                self._listeners.setdefault(channel, {})[token] = deliver
        if settings.REDIS_URL:
            self._ensure_reader()
        return token

    def remove(self, token: int) -> None:
        with self._lock:
            for channel in [c for c, ls in self._listeners.items() if token in ls]:
                del self._listeners[channel][token]
                if not self._listeners[channel]:
                    del self._listeners[channel]

    def count(self) -> int:
        with self._lock:
            return len({t for ls in self._listeners.values() for t in ls})

    def dispatch(self, channel: str, event: str) -> None:
        with self._lock:
            listeners = list(self._listeners.get(channel, {}).values())
        self._deliver(listeners, event)

    def _dispatch_all(self, event: str) -> None:
        with self._lock:
            listeners = {t: d for ls in self._listeners.values() for t, d in ls.items()}
        self._deliver(listeners.values(), event)

    @staticmethod
    def _deliver(listeners: Iterable[Deliver], event: str) -> None:
        # One stream that cannot take it (its event loop closing) never costs the others theirs.
        for deliver in listeners:
            try:
                deliver(event)
            except Exception:
                logger.debug("A live stream did not take %s", event, exc_info=True)

    def _received(self, channel: str, data: str) -> None:
        if channel != BATCH:  # one event on its own channel (a process of an earlier release)
            self.dispatch(channel, data)
            return
        for line in data.split("\n"):
            named, _, event = line.partition(" ")
            self.dispatch(named, event)

    def _ensure_reader(self) -> None:
        with self._lock:
            if self._reader is not None and self._reader.is_alive():
                return
            self._reader = threading.Thread(target=self._read, name="hona-live", daemon=True)
            self._reader.start()

    def _read(self) -> None:
        import redis

        first = True
        pubsub = None
        while True:
            try:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()  # the broken connection's socket, before a new one
                    pubsub = None
                client = redis.Redis.from_url(
                    str(settings.REDIS_URL), socket_connect_timeout=2, health_check_interval=15
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                prefix = _prefix()
                pubsub.psubscribe(prefix + "*")
                self.connected.set()
                if not first:
                    self._dispatch_all(RESYNC)  # what was published meanwhile was missed
                first = False
                for message in pubsub.listen():
                    channel = message["channel"].decode()[len(prefix) :]
                    self._received(channel, message["data"].decode())
            except Exception:
                self.connected.clear()
                logger.warning("Live updates lost Redis; reconnecting", exc_info=True)
                time.sleep(1)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = Hub()
        return _hub


def _frame(event: str) -> bytes:
    # An SSE event with empty data is never dispatched by the browser: the data names it again.
    return f"event: {event}\ndata: {json.dumps(event)}\n\n".encode()


_OPENING = f"retry: {RETRY_MS}\n: connected\n\n".encode()
_HEARTBEAT = b": heartbeat\n\n"


def _blocking_events(channels: list[str], heartbeat: float) -> Iterator[bytes]:
    inbox: queue.SimpleQueue[str] = queue.SimpleQueue()
    token = hub().add(channels, inbox.put)
    try:
        yield _OPENING
        while True:
            try:
                event = inbox.get(timeout=heartbeat)
            except queue.Empty:
                yield _HEARTBEAT
                continue
            yield _frame(event)
    finally:
        hub().remove(token)


async def _async_events(channels: list[str], heartbeat: float) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[str] = asyncio.Queue()

    def deliver(event: str) -> None:
        loop.call_soon_threadsafe(inbox.put_nowait, event)

    token = hub().add(channels, deliver)
    try:
        yield _OPENING
        while True:
            try:
                event = await asyncio.wait_for(inbox.get(), timeout=heartbeat)
            except TimeoutError:
                yield _HEARTBEAT
                continue
            yield _frame(event)
    finally:
        hub().remove(token)


def stream_response(
    request: HttpRequest, channels: Iterable[str], *, heartbeat: float | None = None
) -> HttpResponse | StreamingHttpResponse:
    """The open stream of these channels' events for one screen."""
    if not isinstance(request, ASGIRequest) and str(
        request.META.get("SERVER_SOFTWARE", "")
    ).startswith("gunicorn"):
        # A stream would hold one of gunicorn's few workers for as long as the screen is open: the
        # proxy should send /live/ to the stream server. The page falls back to polling meanwhile.
        return HttpResponse(
            "Live updates are served by the stream server (README: Live updates).",
            status=503,
            content_type="text/plain",
        )
    names = list(channels)
    beat = heartbeat or float(settings.LIVE_HEARTBEAT_SECONDS)
    # The stream outlives the request's work: its database connections close now, not when the
    # screen does (inside a test's transaction they stay).
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
    content: Any
    if isinstance(request, ASGIRequest):
        content = _async_events(names, beat)
    else:
        content = _blocking_events(names, beat)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
