"""The mail server refusing every connection, then taking mail again.

Email-only clients' messages wait for it, and staff read exactly that ("Not sent yet: waiting for
the mail server"), never "sent"; once the server takes mail, each email goes once and only then
reads "Sent by email". Alerts to staff wait and go once too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cms_sync.models import OutboxEntry
from messaging.delivery import reconcile_messages
from messaging.failures import Failure
from messaging.models import DeliveryEvent, Message
from notifications.alerts import sweep_alerts
from notifications.models import AlertBurst
from tests.faults.conftest import FAULT_MARKS, Stage, report
from tests.faults.tally import Tally

pytestmark = FAULT_MARKS


def test_email_only_messages_wait_for_a_refusing_mail_server_and_go_once_it_takes_mail(
    stage: Stage, make_contact: Any
) -> None:
    stage.mail.refusing = True
    by_email = [
        make_contact(stage.firm, phone="", email=f"client{n}@example.com", projects=[stage.project])
        for n in range(5)
    ]
    texting = make_contact(stage.firm, projects=[stage.project])
    stage.start_worker()
    for n in range(10):
        thread = by_email[n % len(by_email)].thread
        assert stage.send_as_staff(thread.pk, f"Your hearing is moved, notice {n}") == 302
    sids = [f"SM{n:032d}" for n in range(3)]
    for n, sid in enumerate(sids):  # the client texts in; staff alerts wait for the server too
        assert stage.post_inbound(sid=sid, from_=texting.phone, body=f"Got it {n}") == 200
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    stage.wait(
        lambda: outbound.filter(failure_code=Failure.EMAIL_WAITING).count() == 10,
        30,
        "every email refused once",
    )
    assert not outbound.exclude(status=Message.Status.SENDING).exists()  # none reads "sent"
    assert stage.mail.accepted == [] and stage.mail.refused >= 10
    waiting = outbound.first()
    assert waiting is not None
    assert waiting.error_reason.startswith(
        "Not sent yet: waiting for the mail server, and it will be tried again."
    )
    page = stage.client.get(f"/conversations/{waiting.thread_id}/").text
    assert "waiting for the mail server" in page and "Sent by email" not in page

    stage.mail.refusing = False
    later = timezone.now() + datetime.timedelta(minutes=31)  # beat, as if that long had passed
    reconcile_messages(now=later)
    sweep_alerts(now=later)
    stage.wait(
        lambda: (
            outbound.filter(status=Message.Status.SENT).count() == 10
            and not AlertBurst.objects.filter(done_at__isnull=True).exists()
            and not OutboxEntry.objects.exclude(status=OutboxEntry.Status.FILED).exists()
        ),
        60,
        "the emails, alerts and filings",
    )

    tally = Tally()
    tally.count_inbound(sids)
    tally.count_outbound(outbound, stage.twilio, stage.mail)
    tally.count_filings(Message.objects.all(), stage.clio)
    report("smtp-refusing", stage, **tally.counts())
    assert tally.lost == 0 and tally.doubled == 0
    assert (tally.received, tally.sent, tally.filed) == (3, 10, 13)
    assert set(outbound.values_list("failure_code", flat=True)) == {""}
    assert all(m.error_reason.startswith("Sent by email because") for m in outbound)
    sent_events = DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.EMAIL_SENT)
    assert sent_events.count() == 10
    assert stage.twilio.messages == []  # nothing went by text instead
    alerts = [text for text in stage.mail.texts() if "Got it" in text]
    reached = sum(len(burst.sent_to) for burst in AlertBurst.objects.all())
    assert len(alerts) == reached >= 1 and not AlertBurst.objects.filter(gave_up=True).exists()
