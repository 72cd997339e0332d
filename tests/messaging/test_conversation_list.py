"""The Conversations list: what a search hides in Archived and Spam, and the unread dots beside
the badge's count when notification settings narrow what counts."""

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
from projects.actions import create_project
from tests.conftest import receive

LIST = reverse("messaging:conversation-list")


@pytest.fixture
def signed_in(client: Client, colleague: User) -> Client:
    client.force_login(colleague)
    return client


def hidden_note(html: str) -> str:
    found = re.search(r'<p class="hidden-matches"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def smiths(
    firm: Organization,
    owner: User,
    make_contact: Callable[..., Contact],
    *,
    archived: int,
    spam: int,
) -> None:
    make_contact(firm, "Anna Smith")
    for number in range(archived):
        thread = make_contact(firm, f"Archived Smith {number}").thread
        actions.set_thread_archived(thread=thread, user=owner, archived=True)
    for number in range(spam):
        thread = make_contact(firm, f"Spam Smith {number}").thread
        actions.set_thread_spam(thread=thread, user=owner, spam=True)


def test_a_search_says_how_many_more_match_in_archived_and_spam_with_links_to_them(
    signed_in: Client, firm: Organization, owner: User, make_contact: Callable[..., Contact]
) -> None:
    smiths(firm, owner, make_contact, archived=2, spam=1)
    html = signed_in.get(LIST, {"q": "smith"}).text
    assert "Anna Smith" in html and "Archived Smith" not in html
    assert hidden_note(html) == "2 more in Archived · 1 more in Spam"
    assert 'href="/conversations/?q=smith&amp;filter=archived"' in html
    assert 'href="/conversations/?q=smith&amp;filter=spam"' in html
    archived = signed_in.get(LIST, {"q": "smith", "filter": "archived"}).text
    assert "Archived Smith 0" in archived and "Archived Smith 1" in archived


def test_the_note_comes_with_search_as_you_type_and_says_nothing_when_nothing_is_hidden(
    signed_in: Client, firm: Organization, owner: User, make_contact: Callable[..., Contact]
) -> None:
    smiths(firm, owner, make_contact, archived=0, spam=1)
    fragment = signed_in.get(LIST, {"q": "smith"}, headers={"HX-Request": "true"}).text
    assert hidden_note(fragment) == "1 more in Spam"
    assert hidden_note(signed_in.get(LIST, {"q": "anna"}).text) == ""
    assert hidden_note(signed_in.get(LIST).text) == ""  # no search, nothing to point at


def test_an_empty_result_points_at_the_matches_in_archived(
    signed_in: Client, firm: Organization, owner: User, make_contact: Callable[..., Contact]
) -> None:
    smiths(firm, owner, make_contact, archived=1, spam=0)
    html = signed_in.get(LIST, {"q": "archived smith"}).text
    assert "No conversations match" in html
    assert hidden_note(html) == "1 more in Archived"


def test_the_hidden_matches_cost_one_query_however_many_there_are(
    signed_in: Client,
    firm: Organization,
    owner: User,
    make_contact: Callable[..., Contact],
    django_assert_max_num_queries: Any,
) -> None:
    smiths(firm, owner, make_contact, archived=2, spam=2)
    signed_in.get(LIST, {"q": "smith"})
    # session, user + firm, badge count, one page of threads, the hidden matches
    with django_assert_max_num_queries(5):
        signed_in.get(LIST, {"q": "smith"})
    smiths(firm, owner, make_contact, archived=30, spam=30)
    with django_assert_max_num_queries(5):
        html = signed_in.get(LIST, {"q": "smith"}).text
    assert hidden_note(html) == "32 more in Archived · 32 more in Spam"


def test_the_list_marks_unread_dots_outside_my_notification_scope_and_says_why(
    client: Client,
    firm: Organization,
    owner: User,
    colleague: User,
    make_contact: Callable[..., Contact],
) -> None:
    mine = create_project(organization=firm, name="Mine", assigned_staff=[colleague])
    theirs = create_project(organization=firm, name="Theirs", assigned_staff=[owner])
    receive(Thread.objects.get(contact=make_contact(firm, "On Mine", projects=[mine])))
    receive(Thread.objects.get(contact=make_contact(firm, "On Theirs", projects=[theirs])))
    client.force_login(colleague)
    html = client.get(LIST).text
    assert row_classes(html, "On Mine") == {"conversation-row", "is-unread"}
    assert row_classes(html, "On Theirs") == {"conversation-row", "is-unread", "is-outside-scope"}
    assert "Unread, outside your notification scope: " in html
    note = re.search(r'<p class="scope-note"[^>]*>(.*?)</p>', html, re.S)
    assert note, "a note on the list"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", note.group(1))).strip()
    assert text == (
        "1 unread conversation is outside your notification scope: it has a hollow dot"
        " and is not counted in your badge. Change your notification settings"
    )
    assert reverse("notifications:settings") in note.group(1)
    # The as-you-type fragment carries the same note.
    fragment = client.get(LIST, {"q": "on"}, headers={"HX-Request": "true"}).text
    assert 'class="scope-note"' in fragment


def row_classes(html: str, name: str) -> set[str]:
    for row in re.findall(r'<li class="(conversation-row[^"]*)">(.*?)</li>', html, re.S):
        if f"<strong>{name}</strong>" in row[1]:
            return set(row[0].split())
    raise AssertionError(f"no row for {name}")


def test_the_lists_own_refresh_is_the_results_fragment_with_the_open_row_at_a_fixed_cost(
    signed_in: Client,
    firm: Organization,
    make_contact: Callable[..., Contact],
    django_assert_max_num_queries: Any,
) -> None:
    """What the list polls every 10 s: the first page, the open thread's row still marked."""
    opened = make_contact(firm, "Open Thread").thread
    receive(opened)
    poll = {"q": "", "filter": "all", "active": str(opened.pk)}
    htmx = {"HX-Request": "true"}
    html = signed_in.get(LIST, poll, headers=htmx).text
    assert "<html" not in html
    assert row_classes(html, "Open Thread") == {"conversation-row", "is-unread", "is-active"}
    assert "active=" not in html  # the rows' links do not carry it on
    for _ in range(60):
        receive(make_contact(firm).thread)
    # session, user + firm, one page of threads with the badge's counts
    with django_assert_max_num_queries(3):
        signed_in.get(LIST, poll, headers=htmx)
    with django_assert_max_num_queries(5):  # + a search's hidden matches and matching notes
        signed_in.get(LIST, {**poll, "q": "client"}, headers=htmx)


def test_a_row_shows_its_contact_project_flag_and_day_with_every_value_escaped(
    signed_in: Client,
    firm: Organization,
    owner: User,
    colleague: User,
    make_contact: Callable[..., Contact],
) -> None:
    """The rows are built in Python for speed (messaging/templatetags/conversation_rows.py): what
    a client or a colleague typed is shown as text, never as markup."""
    project = create_project(
        organization=firm, name='Estate of "Bell" & Sons', assigned_staff=[colleague]
    )
    contact = make_contact(firm, "<b>Tom</b> O'Neil", projects=[project])
    thread = Thread.objects.get(contact=contact)
    receive(thread, "<script>alert(1)</script> see you at 3 & bring ID")
    actions.set_thread_flag(thread=thread, user=owner, flagged=True)
    quiet = make_contact(firm, "Quiet Client").thread
    html = signed_in.get(LIST, {"q": "", "filter": "all"}).text
    row = next(r for r in html.split('<li class="conversation-row') if "Tom" in r)
    assert "<strong>&lt;b&gt;Tom&lt;/b&gt; O&#x27;Neil</strong>" in row
    assert (
        '<span class="conversation-project" title="Estate of &quot;Bell&quot; &amp; Sons">'
        "Estate of &quot;Bell&quot; &amp; Sons</span>" in row
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; see you at 3 &amp; bring ID" in row
    assert "<script>alert" not in html
    assert 'title="Flagged for review"' in row and ">today</time>" in row
    # Each row opens its thread and keeps the list's search and filter.
    link = reverse("messaging:thread-detail", args=[thread.pk])
    assert f'href="{link}?q=&amp;filter=all"' in row
    assert "No messages yet" in next(r for r in html.split("<li") if "Quiet Client" in r)
    # The open thread's row is marked current.
    quiet_link = reverse("messaging:thread-detail", args=[quiet.pk])
    opened = signed_in.get(quiet_link).text
    assert row_classes(opened, "Quiet Client") == {"conversation-row", "is-active"}
    assert f'id="conversation-link-{quiet.pk}" href="{quiet_link}" aria-current="true"' in opened
