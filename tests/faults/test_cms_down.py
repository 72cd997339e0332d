"""The CMS (Clio) down for the whole test: clients are reached, nothing is filed twice.

Texts in and out, portal replies and files are delivered as usual; their filings wait, retried,
with the reason kept; when Clio answers again each lands in the matter exactly once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from cms_sync import actions as cms
from cms_sync.models import OutboxEntry
from messaging.models import Message
from messaging.portal import portal_url
from tests.faults.conftest import FAULT_MARKS, Stage, report
from tests.faults.tally import Tally

pytestmark = FAULT_MARKS


def test_with_clio_down_every_message_reaches_the_client_and_is_filed_once_when_it_is_back(
    stage: Stage, make_contact: Any
) -> None:
    stage.clio.down = True
    clients = [make_contact(stage.firm, projects=[stage.project]) for _ in range(4)]
    portal = Client()
    path = portal_url(clients[0]).split("://", 1)[1].split("/", 1)[1]
    assert portal.get(f"/{path}").status_code == 302
    stage.start_worker()
    sids = []
    for n in range(8):
        contact = clients[n % len(clients)]
        media = []
        if n == 0:
            media = [stage.twilio.add_media("ME0", b"%PDF-1.4 will", "application/pdf")]
        sid = f"SM{n:032d}"
        assert stage.post_inbound(sid=sid, from_=contact.phone, body=f"Q {n}", media=media) == 200
        sids.append(sid)
        assert stage.send_as_staff(contact.thread.pk, f"Answer {n} from the firm") == 302
    assert (
        portal.post("/portal/send/", {"body": "Portal reply while Clio is down"}).status_code == 302
    )

    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    entries = OutboxEntry.objects.all()
    stage.wait(
        lambda: (
            not outbound.filter(provider_sid="").exists()
            and entries.count() == 8 + 8 + 1 + 1  # texts in and out, the reply, the file
            and not entries.filter(attempts=0).exists()
        ),
        40,
        "deliveries and first filing attempts",
    )
    stage.report_delivered()
    assert set(outbound.values_list("status", flat=True)) == {Message.Status.DELIVERED}
    assert set(entries.values_list("status", flat=True)) == {OutboxEntry.Status.PENDING}
    assert set(entries.values_list("last_error", flat=True)) == {"Clio answered 503."}
    assert stage.clio.communications == [] and len(stage.clio.requests) >= 18

    stage.clio.down = False
    cms.requeue_stale_entries(now=timezone.now() + datetime.timedelta(minutes=20))
    stage.wait(
        lambda: not entries.exclude(status=OutboxEntry.Status.FILED).exists(), 60, "the filings"
    )

    tally = Tally()
    tally.count_inbound(sids)
    tally.count_portal(["Portal reply while Clio is down"])
    tally.count_outbound(outbound, stage.twilio, stage.mail)
    tally.count_filings(Message.objects.all(), stage.clio)
    report("cms-down", stage, **tally.counts())
    assert tally.lost == 0 and tally.doubled == 0
    assert (tally.received, tally.sent, tally.filed) == (9, 8, 18)
