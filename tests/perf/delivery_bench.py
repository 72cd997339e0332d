"""Delivery figures on this machine, run by `make bench` after the page benchmark.

1. Inbound webhook under gunicorn (4 sync workers, 8 connections of wrk posting signed Twilio
   webhooks; 8 Python clients where wrk is not installed): requests per second and p50/p99, next
   to pgbench's TPS for the same transaction (what the webhook sends, recorded from it: on
   PostgreSQL one statement that finds and locks the thread, inserts the message, updates the
   thread, marks it unread for two staff, opens the alert's burst and queues the CMS filing) on
   the same PostgreSQL, and to a bare view on the same server. The tables it writes are
   vacuumed before each of the two measurements, as autovacuum would (it is off here).
2. Outbound pacing: two real Celery workers on Redis deliver a burst to the fake Twilio API; the
   rate the fake observes with the firm's limit at 3 texts per second, and with no limit.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

TOKEN = "bench-twilio-token"
BODY = "Running late, be there in ten"
INBOUND_REQUESTS = int(os.environ.get("BENCH_INBOUND", "2000"))
CLIENTS = 8
WORKERS = os.environ.get("BENCH_WEB_WORKERS", "4")  # 2 cores: waits on PostgreSQL overlap
BURST = int(os.environ.get("BENCH_BURST", "24"))
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, seconds: float = 20) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def setup_firm(sms_number: str, name: str, contacts: int) -> Any:
    from hona.actions import create_organization, create_staff_user
    from hona.models import Organization
    from messaging.models import Contact, Thread

    firm = Organization.objects.filter(sms_number=sms_number).first()
    if firm is None:
        firm = create_organization(name=name, sms_number=sms_number)
        for index in range(2):
            create_staff_user(
                organization=firm,
                username=f"{name}-{index}".lower().replace(" ", "-"),
                password=None,
            )
        made = Contact.objects.bulk_create(
            Contact(
                organization=firm, name=f"Client {i}", phone=f"+1650555{i:04d}", phone_textable=True
            )
            for i in range(contacts)
        )
        Thread.objects.bulk_create(Thread(organization=firm, contact=c) for c in made)
    return firm


@contextmanager
def gunicorn(port: int, env: dict[str, str]) -> Iterator[None]:
    """The production server, as docker-compose runs it, for one measurement."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hona.wsgi:application", "--workers", WORKERS,
         "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz/")
        yield
    finally:
        server.terminate()
        server.wait(10)


def hammer(
    post: Callable[[Any, str, int], float], path: str, *, warm_only: bool = False
) -> tuple[float, list[float]]:
    """CLIENTS Python clients posting INBOUND_REQUESTS signed webhooks, when wrk is not there:
    requests/s and latencies."""
    import requests

    latencies: list[float] = []
    lock = threading.Lock()
    per_client = INBOUND_REQUESTS // CLIENTS

    def client(offset: int, count: int = per_client) -> None:
        session = requests.Session()
        mine = [post(session, path, offset * per_client + i) for i in range(count)]
        with lock:
            latencies.extend(mine)

    client(CLIENTS, 40)  # warm the workers' connections and caches
    latencies.clear()
    if warm_only:
        return 0.0, []
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


WRK_SCRIPT = """
local slots = 0
function setup(thread) thread:set("slot", slots); slots = slots + 1 end
function init(args)
  local signed = dofile(os.getenv("BENCH_SIGNED"))
  requests, next_one = {}, 0
  for i = slot + 1, #signed, %(threads)d do  -- each thread its own webhooks: no retries
    requests[#requests + 1] = wrk.format("POST", "%(path)s", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signed[i][2],
    }, signed[i][1])
  end
end
function request() next_one = next_one %% #requests + 1; return requests[next_one] end
"""


def wrk(public: str, path: str, sign: Callable[[str, int], tuple[str, str]], seconds: int
        ) -> tuple[float, float, float]:  # fmt: skip
    """wrk, a client in C like pgbench, with CLIENTS connections on 2 threads: requests/s, p50
    and p99 in ms. Each request is a different signed webhook, made beforehand, so the client
    spends no time signing and Twilio's retries are not what is measured."""
    count = 1500 * seconds * 2  # more than this machine can serve in that time
    with tempfile.TemporaryDirectory() as folder:
        signed, script = Path(folder, "signed.lua"), Path(folder, "post.lua")
        rows = (sign(path, n) for n in range(count))
        signed.write_text(
            "return {\n" + "".join(f'{{"{body}", "{sig}"}},\n' for body, sig in rows) + "}\n"
        )
        script.write_text(WRK_SCRIPT % {"threads": 2, "path": path})
        result = subprocess.run(
            ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s", "--latency", "-s",
             str(script), public + path],
            capture_output=True, text=True, check=True,
            env={**os.environ, "BENCH_SIGNED": str(signed)},
        )  # fmt: skip
    out = result.stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)$", out, re.M)
        assert match, out
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out
    return float(rate.group(1)), ms("50%"), ms("99%")


def inbound_benchmark(database_url: str, redis_url: str) -> float:
    """As production runs it: gunicorn with Redis as the broker, so what can wait is queued
    (to queues of the bench's own, which nobody reads and which are removed afterwards)."""
    import redis
    from django.db import connection
    from twilio.request_validator import RequestValidator

    firm = setup_firm("+18885550997", "Bench Inbound", 1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner knows the bench firm's rows, as autovacuum would
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": public,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "b" * 32,
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "CELERY_QUEUE_PREFIX": prefix,
    }

    validator = RequestValidator(TOKEN)

    def params_of(sender: int) -> dict[str, str]:
        return {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": f"+1650555{sender % 1000:04d}",
            "To": firm.sms_number,
            "Body": BODY,
            "NumMedia": "0",
        }

    def sign(path: str, sender: int) -> tuple[str, str]:
        params = params_of(sender)
        return urlencode(params), validator.compute_signature(public + path, params)

    def post(session: Any, path: str, sender: int) -> float:
        params = params_of(sender)
        signature = validator.compute_signature(public + path, params)
        start = time.perf_counter()
        response = session.post(
            public + path, data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - start) * 1000

    def measure(path: str) -> tuple[float, float, float]:
        hammer(post, path, warm_only=True)  # the workers' connections and caches
        if shutil.which("wrk"):
            return wrk(public, path, sign, seconds=10)
        rate, latencies = hammer(post, path)
        latencies.sort()
        return rate, statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]

    client = f"wrk, {CLIENTS} connections" if shutil.which("wrk") else f"{CLIENTS} Python clients"
    try:
        # The yardstick first: the same server, client and middleware, and a view that only
        # answers (tests/perf/bare_urls.py). No webhook can go faster than this on this machine.
        with gunicorn(port, {**env, "DJANGO_SETTINGS_MODULE": "tests.perf.bare_settings"}):
            bare_rate, _, bare_p99 = measure("/webhooks/twilio/bench-bare/")
        vacuum()
        with gunicorn(port, env):
            rate, p50, p99 = measure("/webhooks/twilio/messages/")
    finally:
        broker = redis.Redis.from_url(redis_url)
        for key in broker.scan_iter(f"{prefix}*"):
            broker.delete(key)
    print(
        f"bare webhook view (the yardstick), same server and client: {bare_rate:.0f} req/s, "
        f"p99 {bare_p99:.1f} ms"
    )
    vacuum()  # the webhook's updates left the threads' old versions behind
    tps = pgbench(database_url, firm)
    print(
        f"inbound webhook, gunicorn {WORKERS} workers, {client}: {rate:.0f} req/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms; pgbench, the same statements, {CLIENTS} clients: "
        f"{tps:.0f} TPS; ratio {rate / tps:.3f} (target >= 0.4, p99 <= 30 ms); "
        f"{rate / bare_rate:.2f}x the bare view, which is {bare_rate / tps:.3f}x pgbench"
    )
    return rate / tps


def vacuum() -> None:
    """What autovacuum would have done between the two measurements (it may be off on a test
    server, as on this machine): every text updates its thread, and a thousand threads
    updated a thousand times each are mostly dead rows for whichever measurement runs second."""
    from django.db import connection

    from messaging.models import Message, Thread, UnreadThread
    from notifications.models import AlertBurst

    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (Thread, Message, UnreadThread, AlertBurst)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")


def pgbench(database_url: str, firm: Any) -> float:
    """pgbench's TPS for the webhook's own transaction: the statements `receive_sms` sends for
    one text, captured from it here (so they never drift from the code), each transaction for
    a random one of the firm's contacts, with a message id of its own."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(webhook_transaction(firm))
    result = subprocess.run(
        [str(PG_BIN / "pgbench"), "-n", "-c", str(CLIENTS), "-j", "2", "-T", "10", "-f",
         handle.name, database_url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    return float(match.group(1)) if match else 0.0


def webhook_transaction(firm: Any) -> str:
    """A pgbench script of what one known client's text sends PostgreSQL, in its transaction:
    the statements are recorded while `receive_sms` stores a text (inside BEGIN/COMMIT when it
    ran them in one; the one statement is its own), then the contact's phone, their thread's
    id and the message id become pgbench's (the bench's contacts and threads were made in one
    order, so contact n's thread is the first thread's id + n)."""
    from django.db import connection
    from psycopg import sql

    from messaging.inbound import InboundSms, receive_sms
    from messaging.models import Thread

    threads = list(
        Thread.objects.filter(organization=firm)
        .order_by("contact__phone")
        .values_list("pk", "contact__phone")
    )
    first = threads[0][0]
    assert [pk for pk, _phone in threads] == list(range(first, first + len(threads)))
    thread_id, phone = threads[len(threads) // 2]
    assert phone == f"+1650555{len(threads) // 2:04d}"
    sid = "SM" + uuid.uuid4().hex
    statements: list[tuple[str, Any]] = []
    in_transaction = []

    def record(execute: Any, text: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((text, params))
        in_transaction.append(connection.in_atomic_block)
        return execute(text, params, many, context)

    with connection.execute_wrapper(record):
        receive_sms(InboundSms(sid=sid, to=firm.sms_number, from_=phone, body=BODY))
    connection.ensure_connection()
    raw = connection.connection

    def literal(value: Any) -> str:
        if value == thread_id and isinstance(value, int):
            return ":thread"
        if value == sid:
            return "md5(random()::text || clock_timestamp()::text)"
        if value == phone:
            return "('+1650555' || lpad(:n::text, 4, '0'))"
        return sql.Literal(value).as_string(raw)

    lines = [f"\\set n random(0, {len(threads) - 1})", f"\\set thread {first} + :n"]
    for text, params in statements:
        if isinstance(params, dict):  # named parameters (the one statement's)
            values: Any = {name: literal(value) for name, value in params.items()}
        else:
            values = tuple(literal(value) for value in params or ())
        lines.append(" ".join(text.split()) % values + ";")
    if any(in_transaction):  # in the webhook's transaction; else each is one of its own
        lines[2:] = ["BEGIN;", *lines[2:], "COMMIT;"]
    return "\n".join(lines) + "\n"


def outbound_benchmark(database_url: str, redis_url: str) -> None:
    from django.db import connection

    from hona.models import Organization
    from messaging import actions
    from messaging.models import Thread
    from tests.fakes.twilio import FakeTwilioServer
    from tests.perf.workers import celery_workers

    firm = setup_firm("+18885550996", "Bench Outbound", BURST)
    sender = firm.users.first()
    threads = list(Thread.objects.filter(organization=firm).select_related("contact")[:BURST])
    queue = f"bench-{uuid.uuid4().hex[:6]}-"  # the prefix of this run's own queues
    from django.conf import settings

    from hona.celery import app

    settings.CELERY_QUEUE_PREFIX = queue
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url  # type: ignore[misc]
    with FakeTwilioServer() as twilio:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_QUEUE_PREFIX": queue,
            "SMS_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": twilio.base_url,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "LOG_LEVEL": "WARNING",
        }
        with celery_workers(queue, env):
            time.sleep(2)
            for limit in (3, 0):
                Organization.objects.filter(pk=firm.pk).update(sms_per_second=limit)
                before = len(twilio.messages)
                for thread in threads:
                    actions.send_message(thread=thread, sender=sender, body=f"Burst, limit {limit}")
                connection.close()
                deadline = time.monotonic() + 60
                while len(twilio.messages) < before + BURST and time.monotonic() < deadline:
                    time.sleep(0.1)
                times = sorted(m["received_at"] for m in twilio.messages[before:])
                rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
                busiest = max(sum(1 for t in times if s <= t < s + 1) for s in times)
                label = f"{limit} per second" if limit else "no limit"
                print(
                    f"outbound burst of {BURST}, 2 workers x 4 threads, limit {label}: the fake "
                    f"Twilio saw {rate:.1f} texts/s on average, at most {busiest} in any second"
                )


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    database_url = os.environ["DATABASE_URL"]
    call_command("migrate", verbosity=0)
    print()
    redis_url = str(settings.REDIS_URL or "redis://127.0.0.1:6379/14")
    ratios = sorted(inbound_benchmark(database_url, redis_url) for _ in range(3))
    print(f"inbound webhook / pgbench, median of 3 runs: {ratios[1]:.3f}")
    outbound_benchmark(database_url, redis_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
