"""Owner / colleague / outsider: another firm's ids answer 404, and lists never show its rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, MessageTemplate, Thread
from messaging.queries import (
    get_contact_for_user,
    get_template_for_user,
    get_thread_for_user,
    unread_thread_count,
)
from projects.actions import create_project
from projects.queries import get_project_for_user
from tests.conftest import receive


@pytest.fixture
def template(firm: Organization, owner: User) -> MessageTemplate:
    return actions.create_template(
        organization=firm,
        name="Owner's secret template",
        body="Privileged wording",
        created_by=owner,
    )


def test_thread_helper_gives_the_firm_its_thread_and_the_outsider_a_404(
    thread: Thread, owner: User, colleague: User, outsider: User
) -> None:
    assert get_thread_for_user(owner, thread.pk) == thread
    assert get_thread_for_user(colleague, thread.pk) == thread
    with pytest.raises(Http404):
        get_thread_for_user(outsider, thread.pk)


def test_contact_project_and_template_helpers_404_for_an_outsider(
    contact: Contact, template: MessageTemplate, firm: Organization, colleague: User, outsider: User
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    assert get_contact_for_user(colleague, contact.pk) == contact
    assert get_project_for_user(colleague, project.pk) == project
    assert get_template_for_user(colleague, template.pk) == template
    for lookup, pk in [
        (get_contact_for_user, contact.pk),
        (get_project_for_user, project.pk),
        (get_template_for_user, template.pk),
    ]:
        with pytest.raises(Http404):
            lookup(outsider, pk)


def test_support_without_a_firm_sees_no_firm_data_in_the_product(
    thread: Thread, support: User
) -> None:
    with pytest.raises(Http404):
        get_thread_for_user(support, thread.pk)


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_the_firm_sees_its_templates(
    client: Client, template: MessageTemplate, who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("messaging:template-list"))
    assert response.status_code == 200
    assert "Owner&#x27;s secret template" in response.text


def test_an_outsider_sees_none_of_another_firms_templates(
    client: Client, template: MessageTemplate, outsider: User
) -> None:
    client.force_login(outsider)
    response = client.get(reverse("messaging:template-list"))
    assert response.status_code == 200
    assert "secret template" not in response.text
    assert "Privileged wording" not in response.text


def test_lists_count_only_the_users_own_firm(
    client: Client,
    firm: Organization,
    other_firm: Organization,
    owner: User,
    outsider: User,
    make_contact: Callable[..., Contact],
) -> None:
    for _ in range(3):
        make_contact(firm)
    make_contact(other_firm)
    create_project(organization=other_firm, name="Theirs")
    client.force_login(outsider)
    assert client.get(reverse("messaging:conversation-list")).context["thread_count"] == 1
    assert client.get(reverse("projects:project-list")).context["project_count"] == 1
    client.force_login(owner)
    assert client.get(reverse("messaging:conversation-list")).context["thread_count"] == 3


def test_a_client_message_never_marks_another_firms_staff_unread(
    thread: Thread, owner: User, outsider: User
) -> None:
    receive(thread)
    assert unread_thread_count(owner) == 1
    assert unread_thread_count(outsider) == 0
