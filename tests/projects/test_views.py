"""The Projects dashboard: search, unread markers, details expanded in place, the Messages tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging.models import Contact, Thread
from projects.actions import create_project
from projects.models import Project
from tests.conftest import receive

LIST = reverse("projects:project-list")


@pytest.fixture
def divorce(firm: Organization, colleague: User, make_contact: Callable[..., Contact]) -> Project:
    project = create_project(
        organization=firm, name="Brooks Divorce", cms_case_id="1001", assigned_staff=[colleague]
    )
    make_contact(firm, "Jasmine Brooks", projects=[project])
    return project


def test_projects_show_clients_status_and_an_unread_marker(
    client: Client, colleague: User, divorce: Project, firm: Organization
) -> None:
    create_project(organization=firm, name="Quiet Case")
    receive(Thread.objects.get(contact__name="Jasmine Brooks"), "Any news?")
    client.force_login(colleague)
    html = client.get(LIST).text
    assert "Brooks Divorce" in html and "Jasmine Brooks" in html and "Open" in html
    row = html[html.index(f'id="project-{divorce.pk}"') :][:1500]
    assert "Unread messages" in row
    assert html.index("Brooks Divorce") < html.index("Quiet Case")  # unread first


@pytest.mark.parametrize("term", ["jasmine", "brooks div"])
def test_search_by_client_name_or_project_name(
    client: Client, colleague: User, divorce: Project, firm: Organization, term: str
) -> None:
    create_project(organization=firm, name="Quiet Case")
    client.force_login(colleague)
    html = client.get(LIST, {"q": term}).text
    assert "Brooks Divorce" in html and "Quiet Case" not in html


def test_details_expand_in_place_with_clients_and_case(
    client: Client, colleague: User, divorce: Project
) -> None:
    client.force_login(colleague)
    html = client.get(
        reverse("projects:project-detail", args=[divorce.pk]), headers={"HX-Request": "true"}
    ).text
    assert "<html" not in html
    assert "Case 1001" in html and "Jasmine Brooks" in html and "Colleague" in html


def test_the_messages_tab_opens_the_clients_thread(
    client: Client, colleague: User, divorce: Project
) -> None:
    thread = Thread.objects.get(contact__name="Jasmine Brooks")
    client.force_login(colleague)
    html = client.get(
        reverse("projects:project-detail", args=[divorce.pk]),
        {"tab": "messages"},
        headers={"HX-Request": "true"},
    ).text
    assert reverse("messaging:thread-panel", args=[thread.pk]) in html
    panel = client.get(reverse("messaging:thread-panel", args=[thread.pk])).text
    assert "Jasmine Brooks" in panel and "Send" in panel


def test_a_project_with_several_clients_offers_a_choice(
    client: Client, colleague: User, divorce: Project, make_contact: Callable[..., Contact]
) -> None:
    make_contact(divorce.organization, "Marcus Brooks", projects=[divorce])
    client.force_login(colleague)
    html = client.get(
        reverse("projects:project-detail", args=[divorce.pk]),
        {"tab": "messages"},
        headers={"HX-Request": "true"},
    ).text
    assert "several clients" in html and "Marcus Brooks" in html and "Jasmine Brooks" in html


def test_the_dashboard_costs_a_fixed_number_of_queries(
    client: Client,
    colleague: User,
    firm: Organization,
    make_contact: Callable[..., Contact],
    django_assert_max_num_queries: Any,
) -> None:
    for index in range(15):
        project = create_project(
            organization=firm, name=f"Case {index}", assigned_staff=[colleague]
        )
        make_contact(firm, f"Client {index}", projects=[project])
    client.force_login(colleague)
    # session, user + firm, badge, projects (unread marked in the same query), clients with
    # their threads, staff
    with django_assert_max_num_queries(6):
        client.get(LIST)
