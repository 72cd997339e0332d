"""Redis (the cache and the Celery broker) stopped in the middle of traffic.

A message's write depends on PostgreSQL alone: while Redis is down every webhook, staff send and
portal reply is answered as usual and stored; what could not be queued then (filings, alerts,
media downloads, deliveries) is found by the sweepers once Redis is back, and done once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cms_sync import actions as cms
from cms_sync.models import OutboxEntry
from messaging.delivery import reconcile_messages
from messaging.models import Contact, Message
from messaging.portal import portal_url
from notifications.alerts import sweep_alerts
from notifications.models import AlertBurst
from tests.faults.conftest import FAULT_MARKS, Stage, report
from tests.faults.tally import Tally
from tests.messaging.samples import PDF, PNG

pytestmark = FAULT_MARKS


def _portal(contact: Contact) -> Client:
    client = Client()
    path = portal_url(contact).split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 302
    return client


def _sweep(minutes: int) -> None:
    """What beat runs, as if `minutes` had passed: everything whose task was lost is queued."""
    later = timezone.now() + datetime.timedelta(minutes=minutes)
    reconcile_messages(now=later)
    cms.requeue_stale_entries(now=later)
    sweep_alerts(now=later)


def test_texts_and_portal_replies_arriving_while_redis_is_down_are_all_stored_filed_and_alerted(
    stage: Stage, make_contact: Any
) -> None:
    clients = [make_contact(stage.firm, projects=[stage.project]) for _ in range(6)]
    portals = {c.pk: _portal(c) for c in clients[:2]}
    stage.start_worker()
    sids: list[str] = []
    replies: list[str] = []
    statuses: list[int] = []

    def traffic(phase: str, count: int) -> None:
        for n in range(count):
            contact = clients[n % len(clients)]
            sid = f"SM{phase}{n:030d}"
            media = []
            if n % 5 == 0:  # some MMS: the file is fetched from Twilio by a task
                scan = stage.twilio.add_media(f"ME{phase}{n}", b"%PDF-1.4 scan", "application/pdf")
                media = [scan]
            statuses.append(
                stage.post_inbound(
                    sid=sid, from_=contact.phone, body=f"Text {phase}-{n}", media=media
                )
            )
            sids.append(sid)
        for contact_id, portal in portals.items():
            body = f"Portal reply {phase} from {contact_id}"
            data: dict[str, Any] = {"body": body}
            if not replies:  # one reply brings a file, counted against the upload allowance
                data["attachments"] = [SimpleUploadedFile("lease.pdf", PDF)]
            statuses.append(portal.post("/portal/send/", data).status_code)
            replies.append(body)

    traffic("1", 20)  # Redis up
    stage.redis.stop()
    traffic("2", 20)  # Redis down: the held-out run's 500 was here
    # A number nobody knows yet becomes a new lead, with its thread, while Redis is down.
    statuses.append(stage.post_inbound(sid="SM" + "9" * 32, from_="+16505550199", body="Hi?"))
    sids.append("SM" + "9" * 32)
    assert set(statuses) <= {200, 302}, statuses
    assert Message.objects.filter(provider_sid__in=sids).count() == len(sids)

    stage.redis.start()  # empty: every task queued before the stop is gone
    _sweep(minutes=20)
    inbound = Message.objects.filter(direction=Message.Direction.INBOUND)
    stage.wait(
        lambda: (
            not inbound.filter(media_pending__gt=0).exists()
            and not OutboxEntry.objects.exclude(status=OutboxEntry.Status.FILED).exists()
            and not AlertBurst.objects.filter(done_at__isnull=True).exists()
        ),
        60,
        "media, filings and alerts",
    )

    tally = Tally()
    tally.count_inbound(sids)
    tally.count_portal(replies)
    tally.count_filings(inbound, stage.clio)
    report("redis-stopped-inbound", stage, **tally.counts())
    assert tally.lost == 0 and tally.doubled == 0
    assert tally.received == 41 + 4
    assert tally.filed == 40 + 4 + 9  # the case's clients' texts and replies, and 9 files
    mms = inbound.filter(channel=Message.Channel.MMS)
    assert all(m.attachments.count() == 1 for m in mms) and mms.count() == 8
    # Alerts: every burst emailed once to the colleague, nobody twice.
    bursts = AlertBurst.objects.all()
    assert bursts.exists() and not bursts.filter(gave_up=True).exists()
    reached = sum(len(b.sent_to) for b in bursts)
    assert len(stage.mail.accepted) == reached
    assert all(len(set(b.sent_to)) == len(b.sent_to) for b in bursts)


def test_staff_messages_sent_while_redis_is_down_are_texted_once_when_it_is_back(
    stage: Stage, make_contact: Any
) -> None:
    clients = [make_contact(stage.firm, projects=[stage.project]) for _ in range(5)]
    stage.start_worker()
    statuses: list[int] = []

    def traffic(phase: str, count: int) -> None:
        for n in range(count):
            thread = clients[n % len(clients)].thread
            statuses.append(stage.send_as_staff(thread.pk, f"Update {phase}-{n} on your case"))

    traffic("1", 10)  # Redis up: the worker is still sending these when Redis stops
    stage.redis.stop()
    traffic("2", 9)
    photo = SimpleUploadedFile("photo.png", PNG)
    with_file = {"body": "Update 2-9, the photo", "attachments": [photo]}
    statuses.append(
        stage.client.post(f"/conversations/{clients[4].thread.pk}/send/", with_file).status_code
    )
    # Staff still read their conversations while Redis is down.
    assert stage.client.get("/conversations/").status_code == 200
    assert stage.client.get(f"/conversations/{clients[4].thread.pk}/").status_code == 200
    # A new conversation with a number typed in, and its first message, while Redis is down.
    started = stage.client.post("/conversations/new/", {"phone": "+1 650 555 0142"})
    statuses.append(started.status_code)
    lead = Contact.objects.get(phone="+16505550142")
    statuses.append(stage.send_as_staff(lead.thread.pk, "Welcome, this is Demo Law"))
    assert set(statuses) == {302}, statuses
    sent = list(Message.objects.filter(direction=Message.Direction.OUTBOUND))
    assert len(sent) == 21

    stage.redis.start()
    _sweep(minutes=20)
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    stage.wait(lambda: not outbound.filter(provider_sid="").exists(), 60, "the deliveries")
    stage.report_delivered()
    stage.wait(
        lambda: not OutboxEntry.objects.exclude(status=OutboxEntry.Status.FILED).exists(),
        60,
        "the filings",
    )

    tally = Tally()
    tally.count_outbound(outbound, stage.twilio, stage.mail)
    tally.count_filings(outbound, stage.clio)
    report("redis-stopped-outbound", stage, **tally.counts())
    assert tally.lost == 0 and tally.doubled == 0
    assert tally.sent == 21 and len(stage.twilio.messages) == 21
    assert tally.filed == 20 + 1  # and the photo; the lead is on no case
    assert [len(t["media_urls"]) for t in stage.twilio.messages].count(1) == 1
    assert set(outbound.values_list("status", flat=True)) == {Message.Status.DELIVERED}
