"""The Projects dashboard: search, unread markers, details expanded in place, the Messages tab."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging.actions import add_contact_to_project, ensure_thread, set_thread_project
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
    # session, user + firm, badge, projects with unread messages, the others, clients with
    # their threads, staff
    with django_assert_max_num_queries(7):
        client.get(LIST)


def test_pages_list_unread_projects_first_then_the_others_each_once_in_order(
    client: Client,
    colleague: User,
    firm: Organization,
    make_contact: Callable[..., Contact],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unread and read projects are read apart (projects.queries.project_page): a page that
    holds the last unread ones goes on with the first others, and later pages skip the right
    number of each. Within each part, open cases first and closed ones last, each by name."""
    monkeypatch.setattr("projects.queries.PROJECTS_PAGE", 3)
    for name in ("Delta", "Alpha", "Charlie", "Bravo"):
        contact = make_contact(firm, f"Client {name}", projects=[create_project(
            organization=firm, name=f"Unread {name}"
        )])  # fmt: skip
        receive(Thread.objects.get(contact=contact), "Any news?")
    for name, status in (
        ("Yankee", "open"),
        ("Zulu", "open"),
        ("Xray", "closed"),
        ("Whisky", "open"),
    ):
        project = create_project(organization=firm, name=f"Read {name}")
        Project.objects.filter(pk=project.pk).update(status=status)
    client.force_login(colleague)

    def page(number: int) -> tuple[list[str], bool]:
        html = client.get(LIST, {"page": number}).text
        rows = re.findall(
            r'<li class="card project-row( is-unread)?".*?<strong>([^<]+)</strong>', html, re.S
        )
        assert all(bool(marked) == name.startswith("Unread") for marked, name in rows)
        names = [name for _, name in rows]
        return names, ">Next</a>" in html

    assert page(1) == (["Unread Alpha", "Unread Bravo", "Unread Charlie"], True)
    assert page(2) == (["Unread Delta", "Read Whisky", "Read Yankee"], True)
    assert page(3) == (["Read Zulu", "Read Xray"], False)


@pytest.fixture
def custody(divorce: Project, firm: Organization) -> Project:
    """A second case of Jasmine's, opened later: her thread now files to it."""
    project = create_project(organization=firm, name="Brooks Custody Modification")
    jasmine = Contact.objects.get(name="Jasmine Brooks")
    add_contact_to_project(contact=jasmine, project=project)
    set_thread_project(thread=Thread.objects.get(contact=jasmine), project=project)
    return project


def _messages_tab(client: Client, project: Project) -> str:
    return client.get(
        reverse("projects:project-detail", args=[project.pk]),
        {"tab": "messages"},
        headers={"HX-Request": "true"},
    ).text


def test_the_messages_tab_says_where_new_messages_are_filed(
    client: Client, colleague: User, divorce: Project
) -> None:
    client.force_login(colleague)
    html = _messages_tab(client, divorce)
    assert "New messages in this thread are filed to <strong>Brooks Divorce</strong>." in html
    assert "instead" not in html


def test_a_thread_filing_to_another_case_says_so_and_offers_to_file_here(
    client: Client, colleague: User, divorce: Project, custody: Project
) -> None:
    client.force_login(colleague)
    html = _messages_tab(client, divorce)
    assert (
        "New messages in this thread are filed to <strong>Brooks Custody Modification</strong>"
    ) in html
    assert "File to Brooks Divorce instead" in html


def test_file_to_this_project_instead_changes_the_threads_project(
    client: Client, colleague: User, divorce: Project, custody: Project
) -> None:
    thread = Thread.objects.get(contact__name="Jasmine Brooks")
    client.force_login(colleague)
    url = reverse("projects:project-filing", args=[divorce.pk, thread.pk])

    answer = client.post(url, headers={"HX-Request": "true"})

    assert answer.status_code == 200
    assert "New messages in this thread are filed to <strong>Brooks Divorce</strong>." in (
        answer.text
    )
    assert "instead" not in answer.text
    assert "filing-changed" in answer.headers["HX-Trigger"]
    thread.refresh_from_db()
    assert thread.current_project == divorce
    # Without JavaScript the form posts too, and lands back on the project's Messages tab.
    set_back = client.post(reverse("projects:project-filing", args=[custody.pk, thread.pk]))
    assert set_back.status_code == 302
    assert (
        set_back["Location"]
        == reverse("projects:project-detail", args=[custody.pk]) + "?tab=messages"
    )
    thread.refresh_from_db()
    assert thread.current_project == custody


def _cannot_see_or_file(client: Client, project: Project, thread: Thread) -> None:
    url = reverse("projects:project-filing", args=[project.pk, thread.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    thread.refresh_from_db()


def test_filing_here_is_refused_for_a_thread_that_is_not_the_projects_client(
    client: Client,
    colleague: User,
    divorce: Project,
    firm: Organization,
    make_contact: Callable[..., Contact],
) -> None:
    thread = ensure_thread(contact=make_contact(firm, "Someone Else"))
    client.force_login(colleague)
    _cannot_see_or_file(client, divorce, thread)
    assert thread.current_project is None


def test_another_firm_cannot_see_or_change_where_a_thread_is_filed(
    client: Client, outsider: User, divorce: Project, custody: Project
) -> None:
    thread = Thread.objects.get(contact__name="Jasmine Brooks")
    client.force_login(outsider)
    _cannot_see_or_file(client, divorce, thread)
    assert thread.current_project == custody


def test_choosing_one_of_several_clients_shows_where_their_thread_files(
    client: Client, colleague: User, divorce: Project, make_contact: Callable[..., Contact]
) -> None:
    marcus = make_contact(divorce.organization, "Marcus Brooks", projects=[divorce])
    client.force_login(colleague)
    html = client.get(
        reverse("projects:project-detail", args=[divorce.pk]),
        {"tab": "messages", "client": str(marcus.pk)},
        headers={"HX-Request": "true"},
    ).text
    assert "New messages in this thread are filed to <strong>Brooks Divorce</strong>." in html
    assert reverse("messaging:thread-panel", args=[marcus.thread.pk]) in html
    assert 'aria-current="true">Marcus Brooks' in html


def test_a_row_escapes_the_project_and_client_names_and_says_when_there_are_no_clients(
    client: Client, colleague: User, firm: Organization, make_contact: Callable[..., Contact]
) -> None:
    project = create_project(organization=firm, name="Doe <script>alert(1)</script>")
    make_contact(firm, "Ann & <b>Bo</b>", projects=[project])
    create_project(organization=firm, name="Empty Case")
    client.force_login(colleague)
    html = client.get(LIST).text
    assert "<script>alert(1)</script>" not in html and "<b>Bo</b>" not in html
    assert "<strong>Doe &lt;script&gt;alert(1)&lt;/script&gt;</strong>" in html
    assert '<span class="project-clients muted">Ann &amp; &lt;b&gt;Bo&lt;/b&gt;</span>' in html
    assert '<span class="project-clients muted">No clients yet</span>' in html
