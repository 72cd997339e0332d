"""The unread badge in the top bar and the list behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
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
    with django_assert_max_num_queries(4):
        client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"})
