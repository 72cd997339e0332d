"""Redis hung (SIGSTOP: connections are taken, nothing answers) in the middle of traffic.

Worse than a Redis that is down: without timeouts every call waits for ever. Twilio gives up on
a webhook after 15 seconds and never retries it, and each waiting request holds a web worker.
Every request must answer in a few seconds, store its message, and leave the rest to the
sweepers once Redis answers again.
"""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

from django.test import Client
from django.utils import timezone

from cms_sync import actions as cms
from cms_sync.models import OutboxEntry
from messaging.delivery import reconcile_messages
from messaging.models import Message
from messaging.portal import portal_url
from notifications.alerts import sweep_alerts
from notifications.models import AlertBurst
from tests.faults.conftest import FAULT_MARKS, Stage, report
from tests.faults.tally import Tally

pytestmark = FAULT_MARKS

TWILIO_GIVES_UP = 15.0


def test_while_redis_hangs_every_request_answers_in_time_and_nothing_is_lost(
    stage: Stage, make_contact: Any
) -> None:
    clients = [make_contact(stage.firm, projects=[stage.project]) for _ in range(4)]
    portal = Client()
    path = portal_url(clients[0]).split("://", 1)[1].split("/", 1)[1]
    assert portal.get(f"/{path}").status_code == 302
    stage.start_worker()
    stage.redis.pause()
    # However it goes, Redis answers again after a while: a request that waits for it fails the
    # timing below instead of hanging the test.
    safety = threading.Timer(2 * TWILIO_GIVES_UP, stage.redis.resume)
    safety.start()
    timings: list[float] = []

    def timed(call: Any, *args: Any, **kwargs: Any) -> int:
        started = time.monotonic()
        status = int(call(*args, **kwargs))
        timings.append(time.monotonic() - started)
        return status

    sids = [f"SM{n:032d}" for n in range(8)]
    reply = "Portal reply while Redis hangs"
    try:
        for n, sid in enumerate(sids):
            contact = clients[n % len(clients)]
            assert timed(stage.post_inbound, sid=sid, from_=contact.phone, body=f"Hi {n}") == 200
            body = f"Answer {n} while Redis hangs"
            assert timed(stage.send_as_staff, contact.thread.pk, body) == 302
        response = portal.post("/portal/send/", {"body": reply})
        assert response.status_code == 302
    finally:
        safety.cancel()
        stage.redis.resume()
    assert max(timings) < TWILIO_GIVES_UP / 2, timings
    assert sum(timings) < 30, timings  # one timeout now and then, not one per call

    later = timezone.now() + datetime.timedelta(minutes=20)
    reconcile_messages(now=later)
    cms.requeue_stale_entries(now=later)
    sweep_alerts(now=later)
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    stage.wait(
        lambda: (
            not outbound.filter(provider_sid="").exists()
            and not OutboxEntry.objects.exclude(status=OutboxEntry.Status.FILED).exists()
            and not AlertBurst.objects.filter(done_at__isnull=True).exists()
        ),
        60,
        "deliveries, filings and alerts",
    )
    stage.report_delivered()

    tally = Tally()
    tally.count_inbound(sids)
    tally.count_portal([reply])
    tally.count_outbound(outbound, stage.twilio, stage.mail)
    tally.count_filings(Message.objects.all(), stage.clio)
    report("redis-hung", stage, **tally.counts())
    print(
        f"slowest answer while hung: {max(timings):.1f} s, all {len(timings)}: {sum(timings):.1f} s"
    )
    assert tally.lost == 0 and tally.doubled == 0
    assert (tally.received, tally.sent, tally.filed) == (9, 8, 17)
