"""What an open screen costs the servers while nothing happens: the polls, at 50,000 threads.

Run by `make bench` after the page benchmark, on the same seeded database (`hona_bench`). For
each poll it prints its interval, the queries and server time of one request (median, p95), and
what one open screen costs per second: requests, milliseconds of a web core and of SQL. These
are the figures docs/scaling.md multiplies by the screens a firm keeps open.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

POLLS = [
    # label, url (filled in below), interval in seconds, as the templates poll today
    ("Open thread: new messages?", "thread", 4),
    ("Conversations list: first page again", "list", 10),
    ("Unread badge", "badge", 20),
]
# The floor, measured in the same run so the figures survive a busy machine: every middleware and
# one trivial query (the health check: SELECT 1 and a cache write).
FLOOR = ("Health check (the floor, not a poll)", "/healthz/")


def measure(client: Any, url: str, runs: int) -> tuple[int, list[float], list[float]]:
    """Like the page benchmark's, but an idle poll may answer 204 (nothing new)."""
    from django.db import connection

    from tests.perf.page_bench import SqlTimer

    for _ in range(3):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code in {200, 204}, (url, response.status_code)
    totals, sql_times, queries = [], [], 0
    for _ in range(runs):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            client.get(url, headers={"HX-Request": "true"})
            totals.append((time.perf_counter() - start) * 1000)
        sql_times.append(timer.seconds * 1000)
        queries = timer.queries
    return queries, totals, sql_times


def main() -> int:
    from tests.perf.page_bench import MESSAGES, RUNS, THREADS, ensure_database, p95

    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from hona.models import User
    from messaging.models import Thread

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_scale", threads=THREADS, messages=MESSAGES)
    user = User.objects.get(username="scale")
    busiest = Thread.objects.filter(organization=user.organization).order_by("-last_message_at")[0]
    since = datetime.now(UTC).isoformat()  # nothing new since: the idle case
    urls = {
        "thread": f"/conversations/{busiest.pk}/updates/?since={since}",
        "list": "/conversations/",
        "badge": "/notifications/badge/",
    }
    client = Client()
    client.force_login(user)
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    print(f"\nPolls of one idle screen, {THREADS:,} threads, {RUNS} requests each (ms)")
    print(f"{'poll':<40}{'every':>6}{'queries':>8}{'median':>8}{'p95':>8}{'SQL med':>8}")
    per_second = {"requests": 0.0, "web ms": 0.0, "sql ms": 0.0}
    with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
        for label, key, every in POLLS:
            queries, totals, sql = measure(client, urls[key], RUNS)
            print(
                f"{label:<40}{every:>5}s{queries:>8}{statistics.median(totals):>8.1f}"
                f"{p95(totals):>8.1f}{statistics.median(sql):>8.1f}"
            )
            per_second["requests"] += 1 / every
            per_second["web ms"] += statistics.median(totals) / every
            per_second["sql ms"] += statistics.median(sql) / every
        floor_label, floor_url = FLOOR
        queries, totals, sql = measure(client, floor_url, RUNS)
        floor = statistics.median(totals)
        print(
            f"{floor_label:<40}{'':>6}{queries:>8}{floor:>8.1f}{p95(totals):>8.1f}"
            f"{statistics.median(sql):>8.1f}"
        )
    print(
        "one open Conversations screen (thread, list and badge), per second: "
        f"{per_second['requests']:.2f} requests, {per_second['web ms']:.2f} ms of a web core "
        f"(SQL included), {per_second['sql ms']:.2f} ms of it SQL; "
        f"{per_second['web ms'] / floor:.1f} health checks' worth"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
