"""A burst of texts beside a backlog of 1,000 filings, run by `make bench`.

Real Celery workers on Redis, one per queue as docker-compose runs them: an SMS worker and a CMS
worker (4 threads each). A burst of 24 texts from one firm number (its rate: 3 a second, the
default) goes to a fake Twilio API, first on its own, then with 1,000 filings queued for a fake
Clio that takes half a second to answer each request. Printed: how long the first text took to
leave, the rate the fake Twilio saw, the closest two texts came, and how many filings still
waited when the last text left, with the targets beside them.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

BURST = int(os.environ.get("BENCH_BURST", "24"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "1000"))
RATE = 3


def burst(
    twilio: Any, firm: Any, sender: Any, threads: list[Any], label: str, *, quiet: bool = False
) -> float:
    """Send the burst, wait for the fake Twilio to have it all; print and return the rate seen."""
    from django.db import connection

    from messaging import actions

    before = len(twilio.messages)
    started = time.time()
    for thread in threads:
        actions.send_message(thread=thread, sender=sender, body=f"Burst, {label}")
    connection.close()
    deadline = time.monotonic() + 120
    while len(twilio.messages) < before + len(threads) and time.monotonic() < deadline:
        time.sleep(0.05)
    times = sorted(m["received_at"] for m in twilio.messages[before:])
    if len(times) < len(threads):
        print(f"burst of {len(threads)}, {label}: only {len(times)} texts left in 120 s")
        return 0.0
    if quiet or len(times) < 2:
        return 0.0
    rate = (len(times) - 1) / (times[-1] - times[0])
    closest = min(b - a for a, b in itertools.pairwise(times))
    busiest = max(sum(1 for t in times if s <= t < s + 1) for s in times)
    print(
        f"burst of {len(threads)} texts at {RATE}/s, {label}: first left after "
        f"{times[0] - started:.2f} s (target < 1 s), all in {times[-1] - started:.1f} s; "
        f"{rate:.2f} texts/s (target: {RATE}/s, slots {RATE / 1.05:.2f}/s, never above), "
        f"closest two {closest:.3f} s apart (never under {0.5 / RATE:.3f} s), at most "
        f"{busiest} in any second (target <= {RATE + 1})"
    )
    return rate


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from cms_sync import actions as cms
    from cms_sync.models import Integration, OutboxEntry
    from hona.actions import create_organization, create_staff_user
    from hona.celery import app
    from hona.queues import CMS, SMS, all_queues
    from messaging.actions import create_contact
    from projects.actions import create_project
    from tests.fakes.clio import FakeClioServer
    from tests.fakes.twilio import FakeTwilioServer
    from tests.perf.workers import celery_workers, filing_backlog

    call_command("migrate", verbosity=0)
    redis_url = str(settings.REDIS_URL or "redis://127.0.0.1:6379/14")
    prefix = f"bench-{uuid.uuid4().hex[:6]}-"  # this run's own queues
    settings.CELERY_QUEUE_PREFIX = prefix
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url  # type: ignore[misc]
    with FakeClioServer() as clio, FakeTwilioServer() as twilio:
        settings.CLIO_BASE_URL = clio.base_url
        firm = create_organization(
            name=f"Bench Queues {prefix}", sms_number=f"+1888{uuid.uuid4().int % 10**7:07d}"
        )
        sender = create_staff_user(organization=firm, username=f"{prefix}staff", password=None)
        integration = cms.connect_clio(
            organization=firm, user=sender, code="good-code", redirect_uri="http://127.0.0.1/cb"
        )
        project = create_project(organization=firm, name="Backlog matter", cms_case_id="1001")
        filed = create_contact(organization=firm, name="Backlog Client", projects=[project])
        threads = [
            create_contact(organization=firm, name=f"Client {n}", phone=f"+1415555{n:04d}").thread
            for n in range(BURST)
        ]
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "CELERY_QUEUE_PREFIX": prefix,
            "SMS_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": twilio.base_url,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "CLIO_BASE_URL": clio.base_url,
            "CLIO_REQUESTS_PER_MINUTE": "6000",
            "LOG_LEVEL": "WARNING",
        }
        with (
            celery_workers(prefix, env, count=1, lanes=(SMS,)),
            celery_workers(prefix, env, count=1, lanes=(CMS,)),
        ):
            # The workers are up once a first text went (not measured).
            warm = create_contact(organization=firm, name="Warm-up", phone="+14155559999")
            burst(twilio, firm, sender, [warm.thread], "warm-up", quiet=True)
            time.sleep(1)
            print()
            alone = burst(twilio, firm, sender, threads, "no backlog")
            time.sleep(9)  # the number's slots are free again
            clio.answer_delay = 0.5
            from cms_sync.tasks import file_entry

            entries = filing_backlog(
                firm=firm, integration=integration, project=project, thread=filed.thread,
                count=BACKLOG,
            )  # fmt: skip
            for entry in entries:
                file_entry.delay(entry.pk)
            beside = burst(twilio, firm, sender, threads, f"{BACKLOG} filings queued")
            waiting = OutboxEntry.objects.filter(integration=integration).exclude(status="filed")
            print(
                f"filings still waiting when the burst had left: {waiting.count()} of {BACKLOG}; "
                f"the burst's rate beside the backlog is {beside / alone if alone else 0:.2f}x "
                "its rate alone (target 1.00x)"
            )
            clio.answer_delay = 0.0
        import redis

        redis.Redis.from_url(redis_url).delete(*all_queues(prefix))
        Integration.objects.filter(pk=integration.pk).update(status="inactive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
