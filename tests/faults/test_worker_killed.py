"""A worker SIGKILLed while Twilio holds its answer: every text still goes exactly once.

The message was claimed before the request, so no other run sends it again blindly; once the
hand-over counts as lost, the next run asks Twilio whether it has the message and takes its id.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from cms_sync.models import OutboxEntry
from messaging.delivery import reconcile_messages
from messaging.models import Message
from tests.faults.conftest import FAULT_MARKS, Stage, report
from tests.faults.tally import Tally

pytestmark = FAULT_MARKS


def test_texts_in_flight_when_a_worker_is_killed_are_sent_once_by_the_next_worker(
    stage: Stage, make_contact: Any
) -> None:
    clients = [make_contact(stage.firm, projects=[stage.project]) for _ in range(3)]
    stage.twilio.answer_delay = 5.0  # Twilio took the text; its answer is slow to come
    for n in range(6):
        thread = clients[n % len(clients)].thread
        assert stage.send_as_staff(thread.pk, f"Reminder {n}: bring your ID") == 302
    first = stage.start_worker()
    stage.wait(lambda: len(stage.twilio.messages) == 1, 20, "the first hand-over")
    stage.kill_worker(first)  # inside the request: Twilio has it, we never hear back
    stage.twilio.answer_delay = 0.0
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    orphan = outbound.get(status=Message.Status.SENDING, provider_sid="")
    assert orphan.body == stage.twilio.messages[0]["body"]

    stage.start_worker()
    stage.wait(lambda: outbound.exclude(provider_sid="").count() == 5, 30, "the queued texts")
    # A minute on, the hand-over counts as lost; beat's sweep gives it to the new worker, which
    # finds it at Twilio instead of sending it again.
    Message.objects.filter(pk=orphan.pk).update(
        send_started_at=F("send_started_at") - datetime.timedelta(minutes=2),
        status_changed_at=F("status_changed_at") - datetime.timedelta(minutes=3),
    )
    assert reconcile_messages(now=timezone.now()) >= 1
    stage.wait(lambda: not outbound.filter(provider_sid="").exists(), 30, "the orphan")
    stage.report_delivered()
    stage.wait(
        lambda: not OutboxEntry.objects.exclude(status=OutboxEntry.Status.FILED).exists(),
        30,
        "the filings",
    )

    tally = Tally()
    tally.count_outbound(outbound, stage.twilio, stage.mail)
    tally.count_filings(outbound, stage.clio)
    report("worker-killed", stage, **tally.counts())
    assert tally.lost == 0 and tally.doubled == 0 and tally.sent == 6 and tally.filed == 6
    assert len(stage.twilio.messages) == 6
    orphan.refresh_from_db()
    assert orphan.provider_sid == stage.twilio.messages[0]["sid"]
    assert set(outbound.values_list("status", flat=True)) == {Message.Status.DELIVERED}
