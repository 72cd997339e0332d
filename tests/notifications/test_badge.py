"""The unread badge in the top bar and the list behind it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
from notifications.actions import save_own_settings
from projects.actions import create_project
from tests.conftest import receive


def test_the_badge_counts_this_users_unread_threads(
    client: Client,
    firm: Organization,
    owner: User,
    colleague: User,
    make_contact: Callable[..., Contact],
) -> None:
    first, second = make_contact(firm).thread, make_contact(firm).thread
    receive(first)
    receive(first, "again")  # still one thread
    receive(second)
    actions.mark_thread_read(user=owner, thread=first)
    client.force_login(colleague)
    assert 'data-count="2"' in client.get(reverse("notifications:badge")).text
    client.force_login(owner)
    assert 'data-count="1"' in client.get(reverse("notifications:badge")).text


def test_the_badge_list_names_the_project_or_else_the_contact(
    client: Client, firm: Organization, colleague: User, make_contact: Callable[..., Contact]
) -> None:
    project = create_project(organization=firm, name="Estate of Bell", assigned_staff=[colleague])
    client_on_project = make_contact(firm, "Thomas Bell", projects=[project])
    lead = make_contact(firm, "Harper Quinn")
    receive(Thread.objects.get(contact=client_on_project), "Any news?")
    receive(lead.thread, "Do you take new clients?")
    client.force_login(colleague)
    html = client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "Estate of Bell" in html and "Harper Quinn" in html
    assert reverse("messaging:thread-detail", args=[lead.thread.pk]) in html


def test_an_empty_badge_list_says_so(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    assert "all caught up" in client.get(reverse("notifications:unread-list")).text


def test_the_badge_and_its_list_cost_a_fixed_number_of_queries(
    client: Client,
    firm: Organization,
    colleague: User,
    make_contact: Callable[..., Contact],
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(12):
        receive(make_contact(firm).thread)
    client.force_login(colleague)
    with django_assert_max_num_queries(3):  # session, user + firm, the count
        client.get(reverse("notifications:badge"))
    with django_assert_max_num_queries(5):  # + the threads, the notices, the counts
        client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"})


@pytest.fixture
def outside_my_scope(
    firm: Organization, owner: User, colleague: User, make_contact: Callable[..., Contact]
) -> dict[str, Thread]:
    """The colleague counts only their projects (the default); one message is on another's."""
    mine = create_project(organization=firm, name="Mine", assigned_staff=[colleague])
    theirs = create_project(organization=firm, name="Theirs", assigned_staff=[owner])
    threads = {
        "mine": Thread.objects.get(contact=make_contact(firm, "On Mine", projects=[mine])),
        "theirs": Thread.objects.get(contact=make_contact(firm, "On Theirs", projects=[theirs])),
        "no project": make_contact(firm, "No Project").thread,
    }
    for thread in threads.values():
        receive(thread)
    return threads


def test_the_badge_says_how_many_unread_conversations_are_outside_my_scope(
    client: Client, colleague: User, outside_my_scope: dict[str, Thread]
) -> None:
    client.force_login(colleague)
    page = client.get(reverse("messaging:conversation-list")).text
    label = "2 unread conversations in your notification scope · 1 more outside it"
    assert f'aria-label="Messages: {label}"' in page
    assert f'title="{label}"' in page
    polled = client.get(reverse("notifications:badge")).text
    assert 'data-count="2"' in polled and 'data-outside="1"' in polled
    panel = client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "1 more unread conversation is outside your notification scope" in panel
    assert reverse("notifications:settings") in panel


def test_with_everything_in_scope_the_badge_says_nothing_more(
    client: Client, owner: User, outside_my_scope: dict[str, Thread]
) -> None:
    save_own_settings(user=owner, form_data={"scope": "all"})
    client.force_login(owner)
    page = client.get(reverse("messaging:conversation-list")).text
    assert 'aria-label="Messages: 3 unread conversations"' in page
    assert "outside your notification scope" not in page
    assert 'data-outside="0"' in client.get(reverse("notifications:badge")).text


def test_the_badge_says_how_many_notices_wait_in_words_that_agree_with_the_number(
    client: Client, colleague: User, thread: Thread
) -> None:
    from notifications.actions import notify_filing_failure
    from tests.conftest import write

    for body in ["one", "two"]:
        notify_filing_failure(message=write(thread, colleague, body), reason="Clio said no.")
    client.force_login(colleague)
    for html in [
        client.get(reverse("messaging:conversation-list")).text,  # counted lazily for the page
        client.get(reverse("notifications:badge")).text,
    ]:
        assert 'title="2 notices need your attention"' in html
        assert ", 2 notices for you</span>" in html


def test_the_lists_own_refresh_brings_the_badge_up_to_date_in_the_same_answer(
    client: Client, colleague: User, outside_my_scope: dict[str, Thread]
) -> None:
    client.force_login(colleague)
    fragment = client.get(
        reverse("messaging:conversation-list"), {"active": ""}, headers={"HX-Request": "true"}
    ).text
    assert re.search(r'<span id="unread-count" hx-swap-oob="true"[^>]*data-count="2"', fragment)
    assert 'data-outside="1"' in fragment
    page = client.get(reverse("messaging:conversation-list")).text
    assert 'hx-swap-oob="true"' not in page.split('id="conversation-results"')[1]


@pytest.mark.parametrize(
    ("settings_saved", "expected"),
    [
        ({"scope": "all"}, (3, 0)),
        ({"scope": "assigned"}, (2, 1)),  # Mine and the thread without a project
        ({"scope": "flagged"}, (1, 2)),
        ({"scope": "none"}, (0, 3)),
        ({"scope": "all", "in_app": False}, (0, 3)),
    ],
)
def test_the_badges_numbers_follow_each_notification_scope(
    colleague: User,
    outside_my_scope: dict[str, Thread],
    settings_saved: dict[str, object],
    expected: tuple[int, int],
) -> None:
    """The badge's one statement agrees with the scope the Unread filter and alerts apply."""
    from notifications.actions import notify_filing_failure
    from notifications.queries import badge_counts, scoped_unread
    from tests.conftest import write

    actions.set_thread_flag(thread=outside_my_scope["theirs"], user=colleague, flagged=True)
    notify_filing_failure(message=write(outside_my_scope["mine"], colleague, "x"), reason="No.")
    save_own_settings(user=colleague, form_data=settings_saved)
    user = User.objects.select_related("notification_settings").get(pk=colleague.pk)
    counts = badge_counts(user)
    assert (counts.threads, counts.outside) == expected
    assert counts.threads == scoped_unread(user).count()
    assert counts.notices == 1
