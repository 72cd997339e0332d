"""What open live streams cost one uvicorn process, and how fast an event reaches them.

Run with PostgreSQL and Redis (as in CI), e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hona_main REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/pytest tests/perf/live_bench.py -m bench -s -q

One uvicorn process serves hona.asgi (LIVE_HEARTBEAT_SECONDS=5 for the run) and 200 signed-in
staff screens of two firms hold a /live/ stream open on it (a thread each in this process, over
`tests.sse.EventStream`). Printed:
- idle cost: the requests the clients made while the 200 streams sat idle for 15 s (none: a
  stream is one request however long it stays open), the heartbeats and bytes each client
  received per second, and the server's CPU meanwhile (and with one stream, for comparison);
- delivery latency: 30 client texts recorded from this process (another host than uvicorn, so
  each event crosses Redis pub/sub), one every 0.2 s, each into its own thread of the first firm;
  from just before the write to the `thread-<id>` event at each of that firm's 100 streams;
- memory: the uvicorn process's resident memory with 1 stream and with 200, and the difference
  per connection; then, all closed, the connections and CPU the server still holds.
The file is named like the script benches (`*_bench.py`), which pytest's `python_files` does not
collect from the folder: run it by its path, as above.
It fails if the p95 latency is over 1 s or the idle clients made more than 0.5 requests a second.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from hona.actions import create_organization, create_staff_user
from hona.models import Organization, User
from messaging import actions as messaging_actions
from messaging.models import Message, Thread
from tests.sse import EventStream

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),  # uvicorn, in another process, sees the rows
    pytest.mark.skipif(
        not (settings.REDIS_URL and ON_POSTGRES),
        reason="needs REDIS_URL and DATABASE_URL on PostgreSQL: the streams run in a uvicorn "
        "process and their events cross Redis pub/sub",
    ),
]

STREAMS = 200
FIRMS = 2
MESSAGES = 30
PACE = 0.2  # seconds between two client texts
IDLE_SECONDS = 15.0
HEARTBEAT = 5
MAX_P95_MS = 1000.0
MAX_IDLE_REQUESTS_PER_SECOND = 0.5


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CountingStream(EventStream):
    """An EventStream that also logs every event and comment with the bytes it took."""

    def __init__(self, session: requests.Session, url: str) -> None:
        self.log: list[tuple[str, float]] = []  # (event name, or ":" + comment; arrival)
        self.bytes_at: list[tuple[int, float]] = []  # (bytes of one line, arrival)
        self.thread: threading.Thread | None = None
        super().__init__(session, url)

    def _read(self) -> None:
        self.thread = threading.current_thread()
        name = ""
        try:
            for raw in self.response.iter_lines(chunk_size=1):
                now = time.monotonic()
                self.bytes_at.append((len(raw) + 1, now))  # and its "\n"
                line = raw.decode()
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    self.log.append((line, now))
                    self.opened.set()
                elif line.startswith("event:"):
                    name = line[len("event:") :].strip()
                elif line == "" and name:
                    self.events.put((name, now))
                    self.log.append((name, now))
                    name = ""
        except Exception:  # the stream was closed by the bench
            return

    def bytes_between(self, start: float, end: float) -> int:
        return sum(size for size, at in list(self.bytes_at) if start <= at < end)

    def heartbeats_between(self, start: float, end: float) -> int:
        return sum(1 for name, at in list(self.log) if name == ": heartbeat" and start <= at < end)

    def first(self, event: str, after: float) -> float | None:
        return next((at for name, at in list(self.log) if name == event and at >= after), None)


@dataclass
class Screen:
    user: User
    session: requests.Session
    stream: CountingStream | None = None


class Server:
    """One uvicorn process serving hona.asgi on the test database, Redis and a free port."""

    def __init__(self, log_path: Path) -> None:
        db = connection.settings_dict
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": str(settings.REDIS_URL),
            "PUBLIC_BASE_URL": self.url,
            "LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.pop("DJANGO_DEBUG", None)  # as in production: no query log growing per request
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "hona.asgi:application",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_until_answering(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"uvicorn exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz/", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("uvicorn did not answer in time")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def open_connections(self) -> int:
        """Established TCP connections on the server's port, as the kernel holds them."""
        port = f"{self.port:04X}"
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not Path(table).exists():
                continue
            for row in Path(table).read_text().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if local.endswith(f":{port}") and state == "01":
                    count += 1
        return count

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = Server(tmp_path / "uvicorn.log")
    try:
        started.wait_until_answering()
        yield started
    finally:
        started.stop()


def screens_of(firms: list[Organization]) -> list[Screen]:
    """STREAMS staff users spread over the firms, each signed in (a session in PostgreSQL)."""
    screens = []
    for i in range(STREAMS):
        firm = firms[i % len(firms)]
        user = create_staff_user(
            organization=firm, username=f"live{firm.pk}-{i}", password=None, display_name=f"S{i}"
        )
        client = Client()
        client.force_login(user)
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        screens.append(Screen(user=user, session=session))
    return screens


def open_stream(screen: Screen, url: str) -> CountingStream:
    stream = CountingStream(screen.session, f"{url}/live/")
    assert stream.status == 200, stream.status
    assert stream.opened.wait(10), "no `: connected` line"
    screen.stream = stream
    return stream


def cpu_per_second(server: Server, seconds: float) -> float:
    """The server's CPU (user + system) over the next `seconds`, in ms per second."""
    before, start = server.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (server.cpu_seconds() - before) / (time.monotonic() - start) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def test_live_streams_cost_nothing_idle_and_deliver_within_a_second(server: Server) -> None:
    firms = [
        create_organization(name=f"Live firm {n}", sms_number=f"+1888556{n:04d}")
        for n in range(FIRMS)
    ]
    screens = screens_of(firms)
    busy = firms[0]
    threads: list[Thread] = [
        messaging_actions.create_contact(
            organization=busy, name=f"Client {n}", phone=f"+1415556{n:04d}"
        ).thread
        for n in range(MESSAGES)
    ]
    requests_made = [0]

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        requests_made[0] += 1

    for screen in screens:
        screen.session.hooks["response"].append(count)
    trace = logging.getLogger("celery.app.trace")  # a line per alert task otherwise
    trace_level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        # Memory: warm up (the first requests import and cache what every stream needs), then 1.
        for screen in screens[1:6]:
            open_stream(screen, server.url).close()
            screen.stream = None
        open_stream(screens[0], server.url)
        time.sleep(1.0)
        cpu_one = cpu_per_second(server, HEARTBEAT)  # one heartbeat's worth, one stream
        rss_one = server.rss_kib()
        warm_opens = requests_made[0] - 1
        opened_at = time.monotonic()
        for screen in screens[1:]:
            open_stream(screen, server.url)
        open_seconds = time.monotonic() - opened_at
        time.sleep(1.0)
        rss_all = server.rss_kib()
        streams = [s.stream for s in screens if s.stream is not None]
        assert len(streams) == STREAMS
        opens = requests_made[0] - warm_opens

        # Idle: nothing happens for IDLE_SECONDS.
        connections_before = server.open_connections()
        requests_before = requests_made[0]
        cpu_before = server.cpu_seconds()
        start = time.monotonic()
        time.sleep(IDLE_SECONDS)
        end = time.monotonic()
        cpu_idle = server.cpu_seconds() - cpu_before
        idle_requests = requests_made[0] - requests_before
        connections_after = server.open_connections()
        window = end - start
        heartbeats = [s.heartbeats_between(start, end) for s in streams]
        idle_bytes = [s.bytes_between(start, end) for s in streams]
        idle_events = sorted(
            {name for s in streams for name, at in list(s.log) if start <= at < end}
            - {": heartbeat"}
        )
        idle_event_count = sum(
            1 for s in streams for name, at in list(s.log)
            if start <= at < end and name != ": heartbeat"
        )  # fmt: skip
        alive = sum(1 for s in streams if s.thread is not None and s.thread.is_alive())

        # Delivery: 30 client texts into the busy firm's threads, paced, from this process.
        listening = [s.stream for s in screens if s.stream and s.user.organization_id == busy.pk]
        others = [s.stream for s in screens if s.stream and s.user.organization_id != busy.pk]
        sent: list[tuple[int, float]] = []
        paced_from = time.monotonic()
        for n, thread in enumerate(threads):
            time.sleep(max(0.0, paced_from + n * PACE - time.monotonic()))
            before = time.monotonic()
            messaging_actions.record_message(
                thread=thread,
                direction=Message.Direction.INBOUND,
                body=f"Live bench {n}",
                channel=Message.Channel.SMS,
                status=Message.Status.RECEIVED,
            )
            sent.append((thread.pk, before))
        write_ms = (time.monotonic() - paced_from) / MESSAGES * 1000
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if all(s.first(f"thread-{t}", b) for t, b in sent[-1:] for s in listening):
                break
            time.sleep(0.05)
        time.sleep(0.5)  # anything late (or stray) still gets seen
        latencies: list[float] = []
        missing = 0
        for thread_id, before in sent:
            for stream in listening:
                at = stream.first(f"thread-{thread_id}", before)
                if at is None:
                    missing += 1
                else:
                    latencies.append((at - before) * 1000)
        ours = {f"thread-{t}" for t, _ in sent}
        strays = sum(
            1
            for s in listening + others
            for name, at in list(s.log)
            if name.startswith("thread-") and at >= paced_from and (s in others or name not in ours)
        )
    finally:
        for screen in screens:
            if screen.stream is not None:
                screen.stream.close()
        for screen in screens:
            screen.session.close()
        trace.setLevel(trace_level)

    # Closed: the server lets go of every connection (and of the streams' coroutines).
    time.sleep(1.5)
    connections_closed = server.open_connections()
    cpu_closed = cpu_per_second(server, HEARTBEAT)
    rss_closed = server.rss_kib()

    idle_rate = idle_requests / window
    idle_cpu = cpu_idle / window * 1000
    per_heartbeat = (idle_cpu - cpu_one) / (STREAMS / HEARTBEAT)
    median_ms = f"{statistics.median(latencies):.0f}" if latencies else "-"
    p95_ms = f"{p95(latencies):.0f}" if latencies else "-"
    max_ms = f"{max(latencies):.0f}" if latencies else "-"
    per_connection = (rss_all - rss_one) / (STREAMS - 1)
    figures = [
        (f"stream opens (after {warm_opens} warm-up opens)", f"{opens}", f"{STREAMS}"),
        ("  time to open them all (s)", f"{open_seconds:.1f}", ""),
        ("  connections at the server, idle start/end", f"{connections_before}/{connections_after}",
         f"{STREAMS}"),
        ("  streams still reading at the end", f"{alive}", f"{STREAMS}"),
        (f"requests/s while idle ({window:.0f} s, all clients)", f"{idle_rate:.2f}",
         f"<= {MAX_IDLE_REQUESTS_PER_SECOND}"),
        ("heartbeats/s per client", f"{statistics.mean(heartbeats) / window:.3f}",
         f"{1 / HEARTBEAT:.3f}"),
        ("heartbeat bytes/s per client (SSE payload)",
         f"{statistics.mean(idle_bytes) / window:.2f}", ""),
        ("  min/max heartbeats per client in the window", f"{min(heartbeats)}/{max(heartbeats)}",
         ""),
        ("  events received while idle (all clients)", f"{idle_event_count}", "0"),
        (f"server CPU while idle, {STREAMS} streams (ms/s)", f"{idle_cpu:.1f}", ""),
        ("server CPU while idle, 1 stream (ms/s)", f"{cpu_one:.1f}", ""),
        ("server CPU per heartbeat sent (ms)", f"{per_heartbeat:.2f}", ""),
        (f"delivery: {MESSAGES} texts x {len(listening)} streams, median (ms)", median_ms, ""),
        ("delivery p95 (ms)", p95_ms, f"<= {MAX_P95_MS:.0f}"),
        ("delivery max (ms)", max_ms, ""),
        ("  events missing / stray thread events", f"{missing}/{strays}", "0/0"),
        ("  one write (record_message + pacing wait), ms", f"{write_ms:.0f}", f"{PACE * 1000:.0f}"),
        ("uvicorn RSS with 1 stream (MiB)", f"{rss_one / 1024:.1f}", ""),
        (f"uvicorn RSS with {STREAMS} streams (MiB)", f"{rss_all / 1024:.1f}", ""),
        ("memory per open connection (KiB)", f"{per_connection:.1f}", ""),
        ("after closing all: connections / CPU ms/s", f"{connections_closed}/{cpu_closed:.1f}",
         "0/-"),
        ("after closing all: uvicorn RSS (MiB)", f"{rss_closed / 1024:.1f}", ""),
    ]  # fmt: skip
    print(f"\nLive streams on one uvicorn process, {STREAMS} staff streams of {FIRMS} firms")
    print(f"{'figure':<54}{'value':>10}{'target':>10}")
    for label, value, target in figures:
        print(f"{label:<54}{value:>10}{target:>10}")
    if idle_events:
        print(f"events while idle: {idle_events}")

    assert len(streams) == STREAMS and alive == STREAMS, "a stream was dropped"
    assert connections_closed == 0, f"{connections_closed} connections left open at the server"
    assert missing == 0, f"{missing} events never arrived"
    assert idle_rate <= MAX_IDLE_REQUESTS_PER_SECOND, idle_rate
    assert p95(latencies) <= MAX_P95_MS, p95(latencies)
