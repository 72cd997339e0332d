"""Odd input gets a clear answer and changes nothing: line breaks and NULs in one-line fields,
NULs in search boxes, and an account without a firm. Never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hona.actions import create_organization
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, MessageTemplate, Thread
from notifications.alerts import send_thread_alerts
from projects.actions import create_project
from tests.conftest import contact_form, receive

HEADER_INJECTION = "Grace\r\nBcc: everyone@evil.example"
BAD_NAMES = [HEADER_INJECTION, "Grace\nHopper", "Grace\x00", "Grace\u2028Hopper", "Grace\tH"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_contact_name_with_a_line_break_or_control_character_is_a_form_error(
    client: Client, colleague: User, contact: Contact, name: str
) -> None:
    client.force_login(colleague)
    response = client.post(
        reverse("messaging:contact-edit", args=[contact.pk]), contact_form(contact, name=name)
    )
    assert response.status_code == 200
    assert "single line of text" in response.text or "Null characters" in response.text
    contact.refresh_from_db()
    assert contact.name == "Jane Doe"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_actions_refuse_multi_line_names_too(firm: Organization, name: str) -> None:
    with pytest.raises(ValidationError):
        actions.create_contact(organization=firm, name=name, phone="+14155550111")
    with pytest.raises(ValidationError):
        actions.create_template(organization=firm, name=name, body="Hello")
    with pytest.raises(ValidationError):
        create_project(organization=firm, name=name)
    with pytest.raises(ValidationError):
        create_organization(name=name)
    assert not Contact.objects.filter(phone="+14155550111").exists()
    assert not MessageTemplate.objects.exists()


def test_a_staff_display_name_with_a_line_break_is_refused_in_the_admin(
    client: Client, owner: User, colleague: User
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("admin:hona_user_change", args=[colleague.pk]),
        {
            "username": colleague.username,
            "display_name": "Colleague\r\nBcc: x@evil.example",
            "first_name": "",
            "last_name": "",
            "email": colleague.email,
            "role": colleague.role,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "single line of text" in response.text
    colleague.refresh_from_db()
    assert colleague.display_name == "Colleague"


@pytest.mark.parametrize("case_id", ["1001/../../users", "1001?x=1", "../1001", "10 01"])
def test_a_cms_case_id_that_is_not_an_id_is_refused(firm: Organization, case_id: str) -> None:
    with pytest.raises(ValidationError, match="letters, digits"):
        create_project(organization=firm, name="Doe v. Acme", cms_case_id=case_id)


def test_an_alert_still_goes_for_a_contact_stored_with_a_line_break_in_its_name(
    settings: Any, thread: Thread, colleague: User
) -> None:
    """Rows written before names were checked must not stop the thread's alerts."""
    Contact.objects.filter(pk=thread.contact_id).update(name=HEADER_INJECTION)
    receive(thread, "Are you there?")
    mail.outbox.clear()
    assert send_thread_alerts(thread_id=thread.pk) >= 1
    [email, *_] = mail.outbox
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.subject.startswith("New message from Grace Bcc: everyone@evil.example")
    assert email.bcc == []
    assert email.recipients() == [colleague.email] or colleague.email in email.recipients()


@pytest.mark.parametrize(
    ("route", "param"),
    [
        ("messaging:conversation-list", "q"),
        ("messaging:conversation-new", "contact_q"),
        ("projects:project-list", "q"),
    ],
)
def test_a_nul_in_a_search_box_is_searched_as_a_space(
    client: Client, colleague: User, contact: Contact, route: str, param: str
) -> None:
    client.force_login(colleague)
    response = client.get(reverse(route), {param: "Jane\x00Doe"})
    assert response.status_code == 200


def test_a_nul_in_the_extension_panels_case_is_no_error(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    response = client.get(reverse("cms_sync:extension-panel"), {"case": "1001\x00"})
    assert response.status_code == 200


WORKSPACE = [
    "messaging:conversation-list",
    "messaging:conversation-new",
    "messaging:template-list",
    "messaging:template-create",
    "projects:project-list",
    "notifications:settings",
    "notifications:center",
    "notifications:unread-list",
    "cms_sync:integration",
    "cms_sync:extension-panel",
]


@pytest.mark.parametrize("route", WORKSPACE)
def test_support_without_a_firm_gets_a_clear_page_in_the_workspace(
    client: Client, support: User, route: str
) -> None:
    client.force_login(support)
    for method in (client.get, client.post):
        response = method(reverse(route))
        assert response.status_code in {403, 405}, (route, response.status_code)
    page = client.get(reverse(route))
    assert "This account has no firm" in page.text
    assert reverse("admin:index") in page.text


def test_support_without_a_firm_cannot_reach_a_firms_thread(
    client: Client, support: User, thread: Thread
) -> None:
    client.force_login(support)
    response = client.post(
        reverse("messaging:thread-send", args=[thread.pk]), {"body": "Hello from support"}
    )
    assert response.status_code == 403
    assert not thread.messages.exists()


def test_support_signing_in_lands_in_the_admin(client: Client, support: User) -> None:
    client.force_login(support)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("admin:index")
