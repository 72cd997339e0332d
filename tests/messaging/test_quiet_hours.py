"""Quiet hours and scheduled send (issue 14, point 2): the client's local time from their number,
a prompt in the composer, messages scheduled for later and sent by beat exactly once."""

from __future__ import annotations

import datetime
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from hona import live
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, ScheduledMessage, Thread
from messaging.quiet import quiet_check, zones_of
from notifications.models import Notification
from tests.conftest import thread_url

HTMX = {"HX-Request": "true"}
LA = ZoneInfo("America/Los_Angeles")


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def quiet_now(firm: Organization, zone: ZoneInfo = LA) -> None:
    """Make the firm's quiet hours hold right now in `zone`, ending two hours from now."""
    local = timezone.now().astimezone(zone)
    firm.quiet_hours_on = True
    firm.quiet_hours_start = (
        (local - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    )
    firm.quiet_hours_end = (
        (local + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    )
    firm.save(update_fields=["quiet_hours_on", "quiet_hours_start", "quiet_hours_end"])


def compose(client: Client, thread: Thread, **data: str) -> Any:
    return client.post(
        thread_url(thread, "thread-send"), {"body": "Hearing moved", **data}, headers=HTMX
    )


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


# The client's zone and the window ---------------------------------------------------------------


def test_the_clients_zone_comes_from_their_number_or_the_firms(firm: Organization) -> None:
    assert zones_of("+14155550134", firm) == ("America/Los_Angeles",)
    assert zones_of("+12125550100", firm) == ("America/New_York",)
    assert zones_of("+18885550100", firm) == (firm.timezone,)  # toll-free: no place of its own
    assert zones_of("", firm) == (firm.timezone,)


def test_the_default_window_is_nine_pm_to_eight_am_in_the_clients_time(
    firm: Organization,
) -> None:
    firm.quiet_hours_on = True  # as every new firm has it
    late = quiet_check("+14155550134", firm, at("America/Los_Angeles", 2026, 12, 3, 22, 40))
    assert late.inside and f"{late.local:%-I:%M %p}" == "10:40 PM"
    assert late.ends_local == at("America/Los_Angeles", 2026, 12, 4, 8, 0)
    early = quiet_check("+14155550134", firm, at("America/Los_Angeles", 2026, 12, 4, 6, 5))
    assert early.inside and early.ends_local == at("America/Los_Angeles", 2026, 12, 4, 8, 0)
    day = quiet_check("+14155550134", firm, at("America/Los_Angeles", 2026, 12, 4, 14, 0))
    assert not day.inside
    # 10:40 PM in New York is 7:40 PM in Los Angeles: quiet for the New Yorker only.
    assert quiet_check("+12125550100", firm, at("America/Los_Angeles", 2026, 12, 3, 19, 40)).inside
    assert not quiet_check(
        "+14155550134", firm, at("America/Los_Angeles", 2026, 12, 3, 19, 40)
    ).inside


def test_a_number_spanning_zones_is_quiet_if_any_is_and_waits_for_the_last_morning(
    firm: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm.quiet_hours_on = True
    from phonenumbers import timezone as number_zones

    monkeypatch.setattr(
        number_zones,
        "time_zones_for_number",
        lambda number: ("America/Chicago", "America/Denver"),
    )
    # 7:30 AM in Denver is 8:30 AM in Chicago: still quiet in Denver.
    check = quiet_check("+13085550100", firm, at("America/Denver", 2026, 12, 4, 7, 30))
    assert check.inside and f"{check.local:%-I:%M %p}" == "8:30 AM"  # the latest is shown
    assert check.ends_at == at("America/Denver", 2026, 12, 4, 8, 0)


def test_quiet_hours_off_never_asks(firm: Organization) -> None:
    firm.quiet_hours_on = False
    assert not quiet_check(
        "+14155550134", firm, at("America/Los_Angeles", 2026, 12, 3, 23, 0)
    ).inside


# The composer's question ------------------------------------------------------------------------


def test_a_text_in_quiet_hours_asks_first_and_stores_nothing(
    signed_in: Client, firm: Organization, thread: Thread, memory_sms: list[Any]
) -> None:
    quiet_now(firm)
    response = compose(signed_in, thread)
    assert response.status_code == 200 and response["X-Hona-Not-Sent"] == "quiet-hours"
    local = timezone.now().astimezone(LA)
    ends = (local + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    question = (
        f"It is {local:%-I:%M %p} for Jane. "
        f"Send now or schedule for {ends:%-I:%M %p} Jane\u2019s time?"
    )
    assert question in response.text
    assert not Message.objects.exists() and not ScheduledMessage.objects.exists()
    assert memory_sms == []


def test_send_now_goes_at_once_and_the_record_says_it_was_in_quiet_hours(
    signed_in: Client,
    firm: Organization,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    quiet_now(firm)
    with django_capture_on_commit_callbacks(execute=True):
        compose(signed_in, thread, quiet="send")
    message = Message.objects.get()
    assert message.quiet_hours == "sent_anyway" and message.client_zone == "America/Los_Angeles"
    assert len(memory_sms) == 1


def test_schedule_waits_for_the_end_of_quiet_hours_then_beat_sends_it_once(
    signed_in: Client,
    firm: Organization,
    thread: Thread,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    quiet_now(firm)
    compose(signed_in, thread, quiet="schedule")
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.reason == "quiet_hours" and scheduled.status == "pending"
    local_end = scheduled.send_at.astimezone(LA)
    assert local_end.time() == firm.quiet_hours_end
    assert not Message.objects.exists() and memory_sms == []
    page = signed_in.get(thread_url(thread)).text
    assert "Scheduled · not sent yet" in page and "when Jane Doe\u2019s quiet hours end" in page

    assert actions.send_due_messages() == 0  # not due yet
    later = scheduled.send_at + datetime.timedelta(seconds=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_due_messages(now=later) == 1
        assert actions.send_due_messages(now=later) == 0  # exactly once
    message = Message.objects.get()
    assert message.body == "Hearing moved" and message.quiet_hours == "scheduled"
    scheduled.refresh_from_db()
    assert scheduled.status == "sent" and scheduled.message == message
    assert len(memory_sms) == 1
    thread.refresh_from_db()
    assert thread.pending_scheduled == 0


def test_outside_quiet_hours_it_sends_and_records_so(
    signed_in: Client, firm: Organization, thread: Thread, memory_sms: list[Any]
) -> None:
    firm.quiet_hours_on = True
    firm.quiet_hours_start = firm.quiet_hours_end = datetime.time(0, 0)  # an empty window
    firm.save(update_fields=["quiet_hours_on", "quiet_hours_start", "quiet_hours_end"])
    compose(signed_in, thread)
    assert Message.objects.get().quiet_hours == "outside"


def test_an_email_only_client_is_never_asked(
    signed_in: Client, firm: Organization, make_contact: Any
) -> None:
    quiet_now(firm)
    pat = make_contact(firm, "Pat Email", phone="", email="pat@example.com")
    response = compose(signed_in, pat.thread)
    assert "X-Hona-Not-Sent" not in response
    assert Message.objects.get().quiet_hours == ""


# Scheduled messages -----------------------------------------------------------------------------


def local_input(moment: datetime.datetime, firm: Organization) -> str:
    return f"{moment.astimezone(ZoneInfo(firm.timezone)):%Y-%m-%dT%H:%M}"


def test_staff_schedule_edit_and_cancel_a_message_and_nothing_is_deleted(
    signed_in: Client, firm: Organization, thread: Thread, owner: User
) -> None:
    when = timezone.now() + datetime.timedelta(days=1)
    response = compose(signed_in, thread, action="schedule", send_at=local_input(when, firm))
    assert response.status_code == 200
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.send_at == when.replace(second=0, microsecond=0)
    assert "Scheduled · not sent yet" in response.text and "Hearing moved" in response.text
    later = when + datetime.timedelta(hours=3)
    response = signed_in.post(
        f"/conversations/{thread.pk}/scheduled/{scheduled.pk}/edit/",
        {"body": "Hearing moved to Monday", "send_at": local_input(later, firm)},
        headers=HTMX,
    )
    scheduled.refresh_from_db()
    assert scheduled.body == "Hearing moved to Monday"
    assert scheduled.send_at == later.replace(second=0, microsecond=0)
    signed_in.post(f"/conversations/{thread.pk}/scheduled/{scheduled.pk}/cancel/", headers=HTMX)
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled" and scheduled.cancelled_by == owner
    assert actions.send_due_messages(now=later + datetime.timedelta(minutes=1)) == 0
    assert not Message.objects.exists()
    assert "Scheduled · not sent yet" not in signed_in.get(thread_url(thread)).text


@pytest.mark.parametrize(
    ("offset", "error"),
    [
        (datetime.timedelta(minutes=-5), "Choose a time at least a minute from now."),
        (datetime.timedelta(days=400), "Choose a time within the next year."),
    ],
)
def test_a_bad_time_is_a_clear_error_and_nothing_is_scheduled(
    signed_in: Client, firm: Organization, thread: Thread, offset: datetime.timedelta, error: str
) -> None:
    when = timezone.now() + offset
    response = compose(signed_in, thread, action="schedule", send_at=local_input(when, firm))
    assert response.status_code == 422 and error in response.text
    assert not ScheduledMessage.objects.exists()
    response = compose(signed_in, thread, action="schedule", send_at="tomorrow-ish")
    assert "Choose the day and time to send it." in response.text


def test_another_firm_cannot_touch_a_scheduled_message(
    client: Client, thread: Thread, owner: User, outsider: User
) -> None:
    scheduled = actions.schedule_message(
        thread=thread, sender=owner, body="Hi", send_at=timezone.now() + datetime.timedelta(hours=1)
    )
    client.force_login(outsider)
    for action in ("edit", "cancel"):
        url = f"/conversations/{thread.pk}/scheduled/{scheduled.pk}/{action}/"
        assert client.post(url, {"body": "mine", "send_at": "2030-01-01T10:00"}).status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.status == "pending" and scheduled.body == "Hi"


def test_at_send_time_an_opt_out_is_obeyed(
    thread: Thread,
    owner: User,
    contact: Contact,
    memory_sms: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    scheduled = actions.schedule_message(
        thread=thread,
        sender=owner,
        body="Reminder",
        send_at=timezone.now() + datetime.timedelta(hours=1),
    )
    actions.set_sms_opt_out(contact=contact, opted_out=True, keyword="STOP", source="inbound SMS")
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_messages(now=scheduled.send_at)
    assert memory_sms == []  # opted out since: it goes by email instead
    assert Message.objects.get().channel == "email"


def test_a_scheduled_message_refused_when_due_is_marked_failed_and_its_author_told(
    thread: Thread, owner: User, firm: Organization, memory_sms: list[Any]
) -> None:
    scheduled = actions.schedule_message(
        thread=thread,
        sender=owner,
        body="Reminder",
        send_at=timezone.now() + datetime.timedelta(hours=1),
    )
    firm.messages_per_hour = 1
    firm.save(update_fields=["messages_per_hour"])
    actions.send_message(thread=thread, sender=owner, body="Used the hour's one message")
    assert actions.send_due_messages(now=scheduled.send_at) == 1
    scheduled.refresh_from_db()
    assert scheduled.status == "failed" and "in the last hour" in scheduled.failure
    notice = Notification.objects.get(user=owner)
    assert notice.title == "Your scheduled message to Jane Doe was not sent"


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_a_due_message_exactly_once(thread: Thread, owner: User) -> None:
    scheduled = actions.schedule_message(
        thread=thread,
        sender=owner,
        body="Once",
        send_at=timezone.now() + datetime.timedelta(hours=1),
    )
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def beat() -> None:
        try:
            barrier.wait()
            sent.append(actions.send_due_messages(now=scheduled.send_at))
        finally:
            connection.close()

    runs = [threading.Thread(target=beat) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sorted(sent) == [0, 1]
    assert Message.objects.filter(body="Once").count() == 1


def test_beat_looks_for_due_messages_at_least_every_minute() -> None:
    entry: dict[str, Any] = django_settings.CELERY_BEAT_SCHEDULE["send-due-messages"]
    assert entry["task"] == "messaging.tasks.send_due_messages" and entry["schedule"] <= 60


def test_every_new_firm_asks_between_nine_pm_and_eight_am(db: None) -> None:
    from hona.actions import create_organization

    firm = create_organization(name="New Law", sms_number="+18885550777")
    assert firm.quiet_hours_on
    assert (firm.quiet_hours_start, firm.quiet_hours_end) == (datetime.time(21), datetime.time(8))


def test_every_change_to_a_scheduled_message_redraws_the_list_on_the_firms_other_screens(
    client: Client,
    thread: Thread,
    owner: User,
    colleague: User,
    outsider: User,
    memory_sms: list[Any],
    heard: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    firm = heard["listen"](live.firm_channel(thread.organization_id))
    event = f"scheduled-{thread.pk}"
    when = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.schedule_message(thread=thread, sender=owner, body="First", send_at=when)
        second = actions.schedule_message(thread=thread, sender=owner, body="Second", send_at=when)
    assert firm.count(event) == 2
    # A colleague's open thread fetches the list as it stands now.
    client.force_login(colleague)
    listed = client.get(f"/conversations/{thread.pk}/scheduled/", headers=HTMX)
    assert "First" in listed.text and "Second" in listed.text
    assert listed["Cache-Control"].startswith("max-age=0")

    firm.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_scheduled(scheduled=first, user=owner, body="First, moved", send_at=when)
        actions.cancel_scheduled(scheduled=second, user=owner)
    assert firm.count(event) == 2
    listed = client.get(f"/conversations/{thread.pk}/scheduled/", headers=HTMX)
    assert "First, moved" in listed.text and "Second" not in listed.text

    firm.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_due_messages(now=when + datetime.timedelta(minutes=1))
    assert event in firm
    listed = client.get(f"/conversations/{thread.pk}/scheduled/", headers=HTMX)
    assert "First, moved" not in listed.text and "hidden" in listed.text

    client.force_login(outsider)
    assert client.get(f"/conversations/{thread.pk}/scheduled/").status_code == 404
