"""Signed links: each kind opens only what it was made for, and ends when the client's links do."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import User
from messaging import actions
from messaging.links import cms_file_url, download_url, media_url
from messaging.models import Attachment, Contact, Thread
from messaging.portal import portal_url
from tests.conftest import contact_form, write

BASE = "http://127.0.0.1:8000"


def path(url: str) -> str:
    return url.removeprefix(BASE)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def scan(thread: Thread, colleague: User) -> Attachment:
    message = write(
        thread,
        colleague,
        "The scan",
        files=[actions.NewFile("scan.pdf", b"%PDF-1.4 scan", "application/pdf")],
    )
    return message.attachments.get()


def opens(client: Client, url: str) -> bool:
    response = client.get(path(url))
    return response.status_code == 200 and response.getvalue() == b"%PDF-1.4 scan"


def test_each_kind_of_link_opens_its_file(client: Client, scan: Attachment) -> None:
    assert opens(client, media_url(scan))
    assert opens(client, download_url(scan))
    assert opens(client, cms_file_url(scan))


@pytest.mark.parametrize(
    ("make", "route"),
    [
        (media_url, "messaging:download"),  # the attack: a 12-hour MMS link as a 30-day download
        (media_url, "messaging:cms-file"),
        (download_url, "messaging:media"),
        (download_url, "messaging:cms-file"),
        (cms_file_url, "messaging:download"),
        (cms_file_url, "messaging:media"),
    ],
)
def test_a_link_of_one_kind_opens_nothing_as_another(
    client: Client, scan: Attachment, make: Any, route: str
) -> None:
    forged = reverse(route, kwargs={"token": token_of(make(scan))})
    assert client.get(forged).status_code == 404


def test_revoking_the_portal_link_ends_the_clients_download_links(
    client: Client, scan: Attachment, thread: Thread, colleague: User
) -> None:
    link = download_url(scan)
    assert opens(client, link)
    staff = Client()
    staff.force_login(colleague)
    staff.post(reverse("messaging:thread-revoke-link", args=[thread.pk]))
    assert client.get(path(link)).status_code == 404
    time.sleep(1.1)  # links carry their time to the second
    assert opens(client, download_url(scan))  # a link sent afterwards works


def portal_session(contact: Contact) -> Client:
    browser = Client()
    assert browser.get(path(portal_url(contact))).status_code == 302
    assert browser.get("/portal/").status_code == 200
    return browser


@pytest.mark.parametrize(
    "change",
    [{"phone": "(415) 555-0199"}, {"email": "jane.new@example.com"}],
    ids=["phone", "email"],
)
def test_a_new_phone_or_email_ends_the_old_links_and_portal_sessions(
    contact: Contact, scan: Attachment, colleague: User, change: dict[str, str]
) -> None:
    old_portal_link, old_download = portal_url(contact), download_url(scan)
    browser = portal_session(contact)
    staff = Client()
    staff.force_login(colleague)
    form = contact_form(contact, **change)
    assert staff.post(reverse("messaging:contact-edit", args=[contact.pk]), form).status_code == 302
    assert browser.get("/portal/").status_code == 403  # the open session ended
    assert Client().get(path(old_portal_link)).status_code == 403
    assert Client().get(path(old_download)).status_code == 404


def test_editing_only_the_name_keeps_the_clients_links(
    contact: Contact, scan: Attachment, colleague: User
) -> None:
    browser = portal_session(contact)
    staff = Client()
    staff.force_login(colleague)
    # The same number as the form shows it, the same email in capitals: no new way to reach them.
    form = contact_form(
        contact, name="Jane Q. Doe", phone=contact.phone_display, email=contact.email.upper()
    )
    assert staff.post(reverse("messaging:contact-edit", args=[contact.pk]), form).status_code == 302
    assert browser.get("/portal/").status_code == 200
    assert opens(Client(), download_url(scan))


def test_a_new_phone_set_in_the_admin_ends_the_old_links(
    contact: Contact, owner: User, scan: Attachment
) -> None:
    browser = portal_session(contact)
    admin = Client()
    admin.force_login(owner)
    form = contact_form(contact, phone="+1 415 555 0177")
    response = admin.post(reverse("admin:messaging_contact_change", args=[contact.pk]), form)
    assert response.status_code == 302, response.content
    assert browser.get("/portal/").status_code == 403
