"""Each staff member's own notification settings: only they change them, and they are obeyed."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
from notifications.alerts import send_due_digests, send_thread_alerts
from notifications.models import NotificationSettings
from projects.actions import create_project
from tests.conftest import receive

SETTINGS = reverse("notifications:settings")


def choose(client: Client, user: User, **changes: Any) -> None:
    """The user saves their own settings through the page."""
    client.force_login(user)
    data = {
        "scope": "assigned",
        "in_app": "on",
        "email_immediately": "on",
        "daily_digest_time": "08:00",
        "failure_emails": "on",
    }
    data.update({k: v for k, v in changes.items() if v is not None})
    for name in [k for k, v in changes.items() if v is None]:
        data.pop(name, None)
    response = client.post(SETTINGS, data)
    assert response.status_code == 302, response.text


def badge(client: Client, user: User) -> str:
    client.force_login(user)
    return str(client.get(reverse("notifications:badge")).text)


@pytest.fixture
def other_project_thread(firm: Organization, make_contact: Callable[..., Contact]) -> Thread:
    project = create_project(organization=firm, name="Someone else's case")
    return Thread.objects.get(contact=make_contact(firm, "Other Client", projects=[project]))


def test_a_new_user_starts_with_assigned_projects_in_app_and_email(
    client: Client, colleague: User
) -> None:
    client.force_login(colleague)
    form = client.get(SETTINGS).context["form"]
    assert form["scope"].value() == "assigned"
    assert form["in_app"].value() is True and form["email_immediately"].value() is True
    assert form["daily_digest"].value() is False


def test_saving_changes_only_the_owners_settings(
    client: Client, owner: User, colleague: User
) -> None:
    choose(client, colleague, scope="all", daily_digest="on", daily_digest_time="17:30")
    saved = NotificationSettings.objects.get(user=colleague)
    assert saved.scope == "all" and saved.daily_digest
    assert saved.daily_digest_time == datetime.time(17, 30)
    assert not NotificationSettings.objects.filter(user=owner).exists()


def test_a_firm_admin_sees_the_team_read_only_and_cannot_change_it(
    client: Client, owner: User, colleague: User
) -> None:
    choose(client, colleague, scope="flagged")
    client.force_login(owner)
    html = client.get(reverse("notifications:team-settings")).text
    assert "Colleague" in html and "Flagged threads only" in html
    assert 'name="scope"' not in html  # a summary, not a form
    # The settings page always edits the signed-in user's own row.
    client.post(SETTINGS, {"scope": "none", "daily_digest_time": "08:00"})
    assert NotificationSettings.objects.get(user=colleague).scope == "flagged"


def test_staff_cannot_see_the_team_page(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    assert client.get(reverse("notifications:team-settings")).status_code == 404


def test_assigned_scope_leaves_other_projects_out_of_the_badge_and_unread_filter(
    client: Client, colleague: User, owner: User, other_project_thread: Thread
) -> None:
    choose(client, owner, scope="all")
    receive(other_project_thread, "About the other case")
    assert 'data-count="0"' in badge(client, colleague)  # default scope: assigned
    html = client.get(reverse("messaging:conversation-list"), {"filter": "unread"}).text
    assert "Other Client" not in html
    assert "Other Client" in client.get(reverse("messaging:conversation-list")).text  # still in All
    assert 'data-count="1"' in badge(client, owner)


def test_assignment_and_contacts_without_a_project_count_for_assigned_scope(
    client: Client, colleague: User, other_project_thread: Thread, contact: Contact
) -> None:
    receive(contact.thread, "No project yet")  # contacts with no project count
    assert 'data-count="1"' in badge(client, colleague)
    assert other_project_thread.current_project is not None
    other_project_thread.current_project.assigned_staff.add(colleague)
    receive(other_project_thread, "Now I am yours")
    assert 'data-count="2"' in badge(client, colleague)


def test_flagged_scope_and_none(
    client: Client, colleague: User, owner: User, thread: Thread
) -> None:
    receive(thread)
    choose(client, colleague, scope="flagged")
    assert 'data-count="0"' in badge(client, colleague)
    actions.set_thread_flag(thread=thread, user=owner, flagged=True)
    assert 'data-count="1"' in badge(client, colleague)
    choose(client, colleague, scope="none")
    assert 'data-count="0"' in badge(client, colleague)


def test_turning_in_app_off_empties_the_badge(
    client: Client, colleague: User, thread: Thread
) -> None:
    receive(thread)
    choose(client, colleague, scope="all", in_app=None)
    assert 'data-count="0"' in badge(client, colleague)


# --- Email alerts ---------------------------------------------------------------------------------


def test_a_burst_of_client_messages_is_one_email_per_person_in_scope(
    client: Client, firm: Organization, owner: User, colleague: User, make_contact: Any
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme", assigned_staff=[colleague])
    thread = Thread.objects.get(contact=make_contact(firm, "Jane Roe", projects=[project]))
    receive(thread, "First question")
    receive(thread, "And a second one")
    mail.outbox.clear()  # in-process, each arrival ran the alert at once; now the burst as a whole
    assert send_thread_alerts(thread_id=thread.pk) == 1  # the owner is not assigned
    [email] = mail.outbox
    assert email.to == [colleague.email]
    assert email.subject == "New message from Jane Roe (Doe v. Acme)"
    assert "First question" in str(email.body) and "And a second one" in str(email.body)
    assert reverse("messaging:thread-detail", args=[thread.pk]) in str(email.body)


def test_no_email_once_the_thread_is_read_or_for_spam_or_when_turned_off(
    client: Client, owner: User, colleague: User, thread: Thread
) -> None:
    receive(thread, "hello")
    actions.mark_thread_read(user=colleague, thread=thread)
    choose(client, owner, email_immediately=None)
    mail.outbox.clear()
    assert send_thread_alerts(thread_id=thread.pk) == 0
    actions.set_thread_spam(thread=thread, user=owner, spam=True)
    receive(thread, "spam")
    assert send_thread_alerts(thread_id=thread.pk) == 0
    assert mail.outbox == []


def test_messages_arriving_together_share_one_scheduled_alert(
    thread: Thread, django_capture_on_commit_callbacks: Any
) -> None:
    from notifications.alerts import client_message_arrived

    with django_capture_on_commit_callbacks() as callbacks:
        client_message_arrived(thread=thread)
        client_message_arrived(thread=thread)
    assert len(callbacks) == 1


# --- Digests --------------------------------------------------------------------------------------


def at(firm: Organization, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=zoneinfo.ZoneInfo(firm.timezone)
    )


def test_a_daily_digest_comes_once_at_the_chosen_local_time(
    client: Client, firm: Organization, colleague: User, thread: Thread
) -> None:
    receive(thread, "Waiting for you")
    choose(client, colleague, scope="all", daily_digest="on", daily_digest_time="17:00")
    mail.outbox.clear()
    day = datetime.date(2026, 11, 24)
    assert send_due_digests(now=at(firm, day, 16, 55)) == 0
    assert send_due_digests(now=at(firm, day, 17, 5)) == 1
    assert send_due_digests(now=at(firm, day, 18, 0)) == 0  # once a day
    [email] = mail.outbox
    assert email.subject == "Daily digest: 1 unread conversation"
    assert "Jane Doe" in str(email.body)


def test_a_weekly_digest_comes_on_monday(
    client: Client, firm: Organization, colleague: User, thread: Thread
) -> None:
    receive(thread)
    choose(client, colleague, scope="all", weekly_digest="on", daily_digest_time="09:00")
    mail.outbox.clear()
    assert send_due_digests(now=at(firm, datetime.date(2026, 11, 24), 10)) == 0  # a Tuesday
    assert send_due_digests(now=at(firm, datetime.date(2026, 11, 30), 10)) == 1  # Monday
    assert mail.outbox[0].subject.startswith("Weekly digest")


# --- Welcome banner and notification center ------------------------------------------------------


def test_a_new_user_is_invited_to_check_their_settings_until_they_dismiss_it(
    client: Client, colleague: User
) -> None:
    client.force_login(colleague)
    assert "Check your" in client.get(reverse("messaging:conversation-list")).text
    client.post(reverse("notifications:dismiss-banner"))
    assert "Check your" not in client.get(reverse("messaging:conversation-list")).text


def test_saving_settings_also_ends_the_invitation(client: Client, colleague: User) -> None:
    choose(client, colleague)
    assert "Check your" not in client.get(reverse("messaging:conversation-list")).text


def test_the_notification_center_lists_notices_newest_first_with_pages(
    client: Client, owner: User, thread: Thread
) -> None:
    from notifications.models import Notification

    for index in range(30):
        Notification.objects.create(
            user=owner, kind="delivery_failed", thread=thread, title=f"Notice {index:02d}"
        )
    client.force_login(owner)
    first = client.get(reverse("notifications:center")).text
    assert first.index("Notice 29") < first.index("Notice 10")
    assert "Notice 04" not in first and "Page 1 of 2" in first
    assert "Notice 04" in client.get(reverse("notifications:center"), {"page": 2}).text


def test_moving_a_thread_to_a_project_i_am_not_on_takes_it_off_my_badge_at_once(
    client: Client, firm: Organization, colleague: User, contact: Contact
) -> None:
    receive(contact.thread, "Hello")
    assert 'data-count="1"' in badge(client, colleague)  # no project: it counts
    elsewhere = create_project(organization=firm, name="Not mine")
    actions.add_contact_to_project(contact=contact, project=elsewhere)
    assert 'data-count="0"' in badge(client, colleague)
    mine = create_project(organization=firm, name="Mine", assigned_staff=[colleague])
    actions.add_contact_to_project(contact=contact, project=mine)
    actions.set_thread_project(thread=Thread.objects.get(contact=contact), project=mine)
    assert 'data-count="1"' in badge(client, colleague)


def test_two_runs_of_beat_at_once_send_one_digest(
    client: Client, firm: Organization, colleague: User, thread: Thread
) -> None:
    """Both runs read the settings before either sent: only the one that claims it sends."""
    from notifications.alerts import _claim_digest
    from notifications.models import NotificationSettings

    receive(thread, "Waiting for you")
    choose(client, colleague, scope="all", daily_digest="on", daily_digest_time="17:00")
    first, second = (NotificationSettings.objects.get(user=colleague) for _ in range(2))
    day = datetime.date(2026, 11, 24)
    assert _claim_digest(first, daily=True, weekly=False, day=day)
    assert not _claim_digest(second, daily=True, weekly=False, day=day)


def test_a_digest_the_mail_server_refused_goes_at_the_next_run(
    client: Client, firm: Organization, colleague: User, thread: Thread, settings: Any
) -> None:
    receive(thread, "Waiting for you")
    choose(client, colleague, scope="all", daily_digest="on", daily_digest_time="17:00")
    mail.outbox.clear()
    day = datetime.date(2026, 11, 24)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    assert send_due_digests(now=at(firm, day, 17, 5)) == 0  # refused: released, not lost
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_digests(now=at(firm, day, 17, 10)) == 1
    assert send_due_digests(now=at(firm, day, 17, 15)) == 0
    assert len(mail.outbox) == 1


def test_an_alert_the_mail_server_refused_is_kept_and_sent_once_when_it_is_back(
    client: Client, firm: Organization, owner: User, colleague: User, thread: Thread, settings: Any
) -> None:
    choose(client, owner, scope="all")
    choose(client, colleague, scope="all")
    receive(thread, "Is anyone there?")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with pytest.raises(OSError):  # the task retries it: nothing was dropped
        send_thread_alerts(thread_id=thread.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_thread_alerts(thread_id=thread.pk) == 2
    assert send_thread_alerts(thread_id=thread.pk) == 0  # claimed and done: never twice
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, colleague.email])


def test_a_retry_emails_only_those_the_first_attempt_did_not_reach(
    client: Client, firm: Organization, owner: User, colleague: User, thread: Thread
) -> None:
    from notifications.models import AlertBurst

    choose(client, owner, scope="all")
    choose(client, colleague, scope="all")
    receive(thread, "Is anyone there?")
    # The first attempt reached the owner, then the mail server went away.
    AlertBurst.objects.update(sent_to=[owner.pk])
    mail.outbox.clear()
    assert send_thread_alerts(thread_id=thread.pk) == 1
    assert [m.to for m in mail.outbox] == [[colleague.email]]
