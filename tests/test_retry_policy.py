"""One retry policy for every task (exponential backoff, full jitter, a cap), and each task's
give-up path: what happens when its retries run out."""

from __future__ import annotations

import datetime
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from hona.models import User
from hona.retry import CAP_SECONDS, backoff
from messaging import actions
from messaging import tasks as messaging_tasks
from messaging.delivery import fail_message
from messaging.failures import Failure
from messaging.models import InboundMedia, Message, Thread
from notifications import tasks as notification_tasks
from notifications.alerts import sweep_alerts
from notifications.models import AlertBurst, Notification
from tests.conftest import receive, write
from tests.fakes.twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[1]
APPS = ("hona", "projects", "messaging", "notifications", "cms_sync")


@pytest.mark.parametrize("attempt", [0, 1, 3, 6, 12])
def test_each_wait_is_drawn_evenly_below_a_capped_exponential_ceiling(attempt: int) -> None:
    ceiling = min(CAP_SECONDS, 5 * 2**attempt)
    waits = [backoff(attempt) for _ in range(400)]
    assert all(0 <= wait <= ceiling for wait in waits)
    # Full jitter: spread over the whole range, so tasks that failed together come back apart.
    assert len(set(waits)) > 390
    assert max(waits) > 0.8 * ceiling and min(waits) < 0.2 * ceiling
    assert 0.35 * ceiling < statistics.mean(waits) < 0.65 * ceiling


def test_the_ceiling_never_passes_the_cap() -> None:
    assert max(backoff(40) for _ in range(200)) <= CAP_SECONDS


def test_no_task_or_action_keeps_a_backoff_formula_of_its_own() -> None:
    """Today there were three formulas, none with jitter: now only hona/retry.py has one."""
    exponent = re.compile(r"\*\s*2\s*\*\*|2\s*\*\*\s*\w")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        and path != ROOT / "hona" / "retry.py"
        and exponent.search(path.read_text())
    ]
    assert offenders == []


# --- Give-up paths --------------------------------------------------------------------------------


def test_media_twilio_never_serves_is_marked_failed_with_a_code_not_left_pending(
    fake_twilio: FakeTwilio, thread: Thread, settings: Any
) -> None:
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = (
        fake_twilio.account_sid,
        fake_twilio.auth_token,
    )
    settings.TWILIO_API_BASE_URL = fake_twilio.base_url
    fake_twilio.media_failures = 100  # unavailable through every retry
    url = fake_twilio.add_media("ME7", b"%PDF-1.4 scan", "application/pdf")
    message = actions.record_message(
        thread=thread, direction="in", body="", channel="mms", status="received", media_pending=1
    )
    InboundMedia.objects.create(message=message, position=0, url=url, content_type="image/png")
    messaging_tasks.fetch_inbound_media.apply((message.pk,))
    media = InboundMedia.objects.get()
    assert media.failed and media.failure == InboundMedia.Failure.UNAVAILABLE
    message.refresh_from_db()
    assert message.media_pending == 0  # nothing left waiting: the sweeper will not loop on it


def test_a_notice_email_the_mail_server_never_takes_is_given_up_with_its_state(
    owner: User, thread: Thread, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    message = write(thread, owner, "Hello", status=Message.Status.SENDING)
    with django_capture_on_commit_callbacks(execute=True):
        fail_message(message, code=Failure.NO_EMAIL, reason="Nobody to reach.")
    notice = Notification.objects.get(user=owner)
    assert notice.email == Notification.Email.GAVE_UP  # the in-app notice stays
    assert notice.email_attempts == 6


def test_an_alert_the_mail_server_never_takes_is_given_up_once_and_not_swept_again(
    colleague: User, thread: Thread, settings: Any
) -> None:
    receive(thread, "Are you there?")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    notification_tasks.send_thread_alerts.apply((thread.pk,))
    burst = AlertBurst.objects.get()
    assert burst.gave_up and burst.done_at is not None
    later = timezone.now() + datetime.timedelta(hours=1)
    assert sweep_alerts(now=later) == 0
    assert mail.outbox == []
