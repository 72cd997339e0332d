"""A backlog of 1,000 filings drains through two real workers at Clio's permitted rate, never above.

Run by `make bench`. A fake Clio server on 127.0.0.1 records when each API request arrives; the
permitted rate is CLIO_REQUESTS_PER_MINUTE (1,200 here, so the run takes about a minute; the same
code holds 50 a minute in production).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

BACKLOG = int(os.environ.get("BENCH_BACKLOG", "1000"))
PER_MINUTE = int(os.environ.get("BENCH_CLIO_PER_MINUTE", "1200"))


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from cms_sync import actions as cms
    from cms_sync.models import Integration, OutboxEntry
    from hona.actions import create_organization, create_staff_user
    from hona.celery import app
    from messaging.actions import create_contact
    from projects.actions import create_project
    from tests.fakes.clio import FakeClioServer
    from tests.perf.workers import celery_workers, filing_backlog

    call_command("migrate", verbosity=0)
    redis_url = str(settings.REDIS_URL or "redis://127.0.0.1:6379/14")
    queue = f"bench-{uuid.uuid4().hex[:6]}-"  # the prefix of this run's own queues
    settings.CELERY_QUEUE_PREFIX = queue
    with FakeClioServer() as clio:
        settings.CLIO_BASE_URL = clio.base_url
        firm = create_organization(name="Bench Filing", sms_number="")
        user = create_staff_user(organization=firm, username=f"bench-{queue}", password=None)
        integration = cms.connect_clio(
            organization=firm, user=user, code="good-code", redirect_uri="http://127.0.0.1/cb"
        )
        project = create_project(organization=firm, name="Backlog matter", cms_case_id="1001")
        contact = create_contact(organization=firm, name="Backlog Client", projects=[project])
        entries = filing_backlog(
            firm=firm,
            integration=integration,
            project=project,
            thread=contact.thread,
            count=BACKLOG,
        )
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "CELERY_QUEUE_PREFIX": queue,
            "CLIO_BASE_URL": clio.base_url,
            "CLIO_REQUESTS_PER_MINUTE": str(PER_MINUTE),
            "LOG_LEVEL": "WARNING",
        }
        with celery_workers(queue, env):
            app.conf.broker_url = redis_url  # type: ignore[misc]
            app.conf.task_always_eager = False
            from cms_sync.tasks import file_entry

            started = time.time()
            for entry in entries:
                file_entry.delay(entry.pk)
            deadline = started + BACKLOG / (PER_MINUTE / 60) * 2 + 60
            while time.time() < deadline:
                if len(clio.communications) >= BACKLOG:
                    break
                time.sleep(0.5)
        times = sorted(t for method, path, t in clio.requests if path.startswith("/api/"))
        filed = OutboxEntry.objects.filter(integration=integration, status="filed").count()
        rate = (len(times) - 1) / (times[-1] - times[0]) * 60 if len(times) > 1 else 0.0
        busiest = max(sum(1 for t in times if s <= t < s + 60) for s in times) if times else 0
        window = min(60.0, times[-1] - times[0]) if len(times) > 1 else 0.0
        print(
            f"\nfiling backlog of {BACKLOG}: {filed} filed, {len(clio.communications)} created in "
            f"Clio (duplicates: {len(clio.communications) - filed}); permitted {PER_MINUTE}/min, "
            f"observed {rate:.0f}/min on average, at most {busiest} requests in any "
            f"{window:.0f} s window"
        )
        Integration.objects.filter(pk=integration.pk).update(status="inactive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
