"""Owner / colleague / outsider: every view with an id answers 404 to another firm, and lists never
show another firm's rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, MessageTemplate, Thread
from messaging.queries import (
    get_contact_for_user,
    get_template_for_user,
    get_thread_for_user,
)
from notifications.queries import unread_thread_count
from projects.actions import create_project
from projects.models import Project
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


@pytest.fixture
def project(firm: Organization, contact: Contact) -> Project:
    project = create_project(organization=firm, name="Doe v. Acme")
    actions.add_contact_to_project(contact=contact, project=project)
    return project


@pytest.fixture
def message_with_file(thread: Thread) -> Message:
    return actions.record_message(
        thread=thread,
        direction="in",
        body="Privileged scan",
        channel="mms",
        status="received",
        files=[actions.NewFile("scan.png", b"\x89PNG secret", "image/png", "mms")],
    )


def id_views(thread: Thread, project: Project, template: MessageTemplate, message: Message):
    attachment = message.attachments.get()
    return [
        ("get", reverse("messaging:thread-detail", args=[thread.pk])),
        ("get", reverse("messaging:thread-panel", args=[thread.pk])),
        ("get", reverse("messaging:thread-earlier", args=[thread.pk])),
        (
            "get",
            reverse("messaging:thread-updates", args=[thread.pk]) + "?since=2000-01-01T00:00:00Z",
        ),
        ("get", reverse("messaging:thread-portal-link", args=[thread.pk])),
        ("post", reverse("messaging:thread-send", args=[thread.pk])),
        ("post", reverse("messaging:thread-flag", args=[thread.pk])),
        ("post", reverse("messaging:thread-archive", args=[thread.pk])),
        ("post", reverse("messaging:thread-spam", args=[thread.pk])),
        ("post", reverse("messaging:thread-project", args=[thread.pk])),
        ("get", reverse("messaging:attachment-download", args=[attachment.pk])),
        ("get", reverse("messaging:template-edit", args=[template.pk])),
        ("post", reverse("messaging:template-edit", args=[template.pk])),
        ("get", reverse("messaging:template-delete", args=[template.pk])),
        ("post", reverse("messaging:template-delete", args=[template.pk])),
        ("get", reverse("projects:project-detail", args=[project.pk])),
    ]


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_the_firm_reaches_every_view_of_its_own_rows(
    client: Client,
    thread: Thread,
    project: Project,
    template: MessageTemplate,
    message_with_file: Message,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(who))
    for method, url in id_views(thread, project, template, message_with_file):
        if method == "post" and ("delete" in url or "edit" in url or "send" in url):
            continue  # changes; covered by their own tests
        response = getattr(client, method)(url, {"on": "1"} if method == "post" else None)
        assert response.status_code in {200, 204, 302}, (url, response.status_code)


def test_an_outsider_gets_404_from_every_view_of_another_firms_rows(
    client: Client,
    thread: Thread,
    project: Project,
    template: MessageTemplate,
    message_with_file: Message,
    outsider: User,
) -> None:
    client.force_login(outsider)
    for method, url in id_views(thread, project, template, message_with_file):
        data = {"on": "1", "body": "hijack", "name": "x", "project": project.pk}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 404, (url, response.status_code)
    thread.refresh_from_db()
    assert not thread.is_flagged and not thread.is_archived and not thread.is_spam
    assert thread.messages.count() == 1
    assert MessageTemplate.objects.filter(pk=template.pk, name="Owner's secret template").exists()


def test_an_outsider_cannot_file_a_thread_to_their_own_project(
    client: Client, thread: Thread, outsider: User, other_firm: Organization
) -> None:
    theirs = create_project(organization=other_firm, name="Theirs")
    client.force_login(outsider)
    response = client.post(
        reverse("messaging:thread-project", args=[thread.pk]), {"project": theirs.pk}
    )
    assert response.status_code == 404


def test_helpers_give_the_firm_its_rows_and_the_outsider_a_404(
    contact: Contact,
    template: MessageTemplate,
    project: Project,
    owner: User,
    colleague: User,
    outsider: User,
) -> None:
    for user in [owner, colleague]:
        assert get_thread_for_user(user, contact.thread.pk) == contact.thread
        assert get_contact_for_user(user, contact.pk) == contact
        assert get_project_for_user(user, project.pk) == project
        assert get_template_for_user(user, template.pk) == template
    lookups: list[tuple[Callable[[User, int], object], int]] = [
        (get_thread_for_user, contact.thread.pk),
        (get_contact_for_user, contact.pk),
        (get_project_for_user, project.pk),
        (get_template_for_user, template.pk),
    ]
    for lookup, pk in lookups:
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
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("messaging:template-list"))
    assert response.status_code == 200
    assert "Owner&#x27;s secret template" in response.text


def test_lists_never_show_another_firms_rows(
    client: Client,
    firm: Organization,
    outsider: User,
    template: MessageTemplate,
    project: Project,
    make_contact: Callable[..., Contact],
) -> None:
    receive(make_contact(firm, "Secret Client").thread, "privileged")
    client.force_login(outsider)
    for url in [
        reverse("messaging:conversation-list"),
        reverse("messaging:conversation-list") + "?filter=unread",
        reverse("messaging:conversation-list") + "?q=Secret",
        reverse("messaging:conversation-new") + "?contact_q=Secret",
        reverse("messaging:template-list"),
        reverse("projects:project-list"),
        reverse("projects:project-list") + "?q=Doe",
        reverse("notifications:unread-list"),
    ]:
        html = client.get(url).text
        for secret in ["Secret Client", "privileged", "Privileged wording", "Doe v. Acme"]:
            assert secret not in html, (url, secret)


def test_a_client_message_never_marks_another_firms_staff_unread(
    thread: Thread, owner: User, outsider: User
) -> None:
    receive(thread)
    assert unread_thread_count(owner) == 1
    assert unread_thread_count(outsider) == 0
