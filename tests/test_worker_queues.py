"""Queues that never block each other, through real Celery workers (Redis broker, PostgreSQL).

A thousand filings waiting for a slow CMS never delay a text: the SMS worker reads a queue of its
own. And one firm's burst, paced to its number's rate, waits in the broker, not in the worker, so
a single SMS worker process sends another firm's text meanwhile.

Run where CI runs them: REDIS_URL set and DATABASE_URL on PostgreSQL (see tests/test_worker.py).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.db import connection

from hona.models import Organization, User
from hona.queues import all_queues
from messaging import actions
from messaging.models import Contact
from tests.fakes.twilio import FakeTwilio
from tests.perf.workers import filing_backlog, start_worker, stop_worker
from tests.test_worker import own_queues, wait_for
from tests.test_worker import pytestmark as worker_marks

pytestmark = worker_marks


def worker_env(prefix: str, twilio: FakeTwilio, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE_PREFIX": prefix,
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@contextmanager
def workers(*started: subprocess.Popen[bytes], prefix: str) -> Iterator[None]:
    """Stop the workers after, and empty this test's queues (a backlog left behind)."""
    import redis

    try:
        yield
    finally:
        for process in started:
            stop_worker(process, timeout=5)
        client = redis.Redis.from_url(str(django_settings.REDIS_URL))
        client.delete(*all_queues(prefix))


def text_to(twilio: FakeTwilio, contact: Contact) -> Callable[[], bool]:
    return lambda: any(m["to"] == contact.phone for m in twilio.messages)


def test_a_text_is_delivered_promptly_with_a_thousand_filings_queued_for_a_slow_cms(
    fake_twilio: FakeTwilio,
    fake_clio: Any,
    settings: Any,
    tmp_path: Path,
    firm: Organization,
    owner: User,
    make_contact: Any,
) -> None:
    from cms_sync import actions as cms
    from cms_sync.models import OutboxEntry
    from cms_sync.tasks import file_entry
    from projects.actions import create_project

    prefix = own_queues(settings)
    cms.connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="x")
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    client = make_contact(firm, projects=[project])
    fake_clio.answer_delay = 2.0  # every request to the CMS takes two seconds to answer
    env = worker_env(
        prefix,
        fake_twilio,
        CLIO_BASE_URL=fake_clio.base_url,
        CLIO_CLIENT_ID=settings.CLIO_CLIENT_ID,
        CLIO_CLIENT_SECRET=settings.CLIO_CLIENT_SECRET,
        CLIO_REQUESTS_PER_MINUTE="6000",
    )
    sms = start_worker(prefix, env, tmp_path / "worker-sms.log", name="sms", lanes=("sms",))
    cms_worker = start_worker(prefix, env, tmp_path / "worker-cms.log", name="cms", lanes=("cms",))
    with workers(sms, cms_worker, prefix=prefix):
        # The SMS worker is up once a first text went.
        warm_up = make_contact(firm)
        actions.send_message(thread=warm_up.thread, sender=owner, body="First of the day")
        wait_for(text_to(fake_twilio, warm_up))

        entries = filing_backlog(
            firm=firm,
            integration=cms.active_integration(firm.pk),
            project=project,
            thread=client.thread,
            count=1000,
        )
        for entry in entries:
            file_entry.delay(entry.pk)

        someone = make_contact(firm)
        sent = time.monotonic()
        actions.send_message(thread=someone.thread, sender=owner, body="Your hearing moved to 3pm")
        wait_for(text_to(fake_twilio, someone), seconds=10)
        took = time.monotonic() - sent
        still_waiting = OutboxEntry.objects.exclude(status="filed").count()

    assert took < 2.0, f"the text took {took:.1f} s behind the filings"
    assert still_waiting > 990  # the backlog was there all along, two seconds a filing


def test_one_firms_paced_burst_does_not_hold_another_firms_text_on_one_sms_worker_process(
    fake_twilio: FakeTwilio,
    settings: Any,
    tmp_path: Path,
    firm: Organization,
    other_firm: Organization,
    owner: User,
    make_user: Any,
    make_contact: Any,
) -> None:
    prefix = own_queues(settings)
    # A number never used before, so no slot left in Redis by an earlier run can space the burst.
    number = f"+1877{uuid.uuid4().int % 10**7:07d}"
    Organization.objects.filter(pk=firm.pk).update(sms_per_second=Decimal(2), sms_number=number)
    firm.refresh_from_db()
    burst = [make_contact(firm) for _ in range(10)]
    elsewhere = make_contact(other_firm)
    colleague_elsewhere = make_user(other_firm)
    # Queued before the worker starts: the burst first, then the other firm's text behind it.
    for contact in burst:
        actions.send_message(thread=contact.thread, sender=owner, body="Court is closed Friday")
    actions.send_message(
        thread=elsewhere.thread, sender=colleague_elsewhere, body="Your documents are ready"
    )
    # One process, one task at a time (--pool=solo): a sleeping task would hold it.
    sms = start_worker(
        prefix, worker_env(prefix, fake_twilio), tmp_path / "worker-sms.log", lanes=("sms",)
    )
    with workers(sms, prefix=prefix):
        wait_for(lambda: len(fake_twilio.messages) == 11, seconds=30)

    sent = {m["to"]: m["received_at"] for m in fake_twilio.messages}
    firm_times = sorted(sent[c.phone] for c in burst)
    other = sent[elsewhere.phone]
    # The other firm's text left at once, while the burst still had most of its texts to send.
    assert other - firm_times[0] < 1.0
    assert sum(1 for t in firm_times if t > other) >= 7
    # And the burst kept its number's rate, two a second: a text that left late may be followed
    # closely by the next one's slot, so the burst is never more than one text over the rate,
    # overall and in any second.
    assert firm_times[-1] - firm_times[0] >= (len(firm_times) - 2) / 2.0
    assert max(sum(1 for t in firm_times if s <= t < s + 1) for s in firm_times) <= 3
    gaps = [b - a for a, b in itertools.pairwise(firm_times)]
    assert min(gaps) >= 0.2, gaps
