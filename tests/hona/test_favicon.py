"""Every page a browser can land on shows the Hona icon in its tab, and /favicon.ico is found."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, permission_denied

from hona.models import User
from messaging.models import Contact
from messaging.portal import portal_url


def links_the_icon(html: str) -> bool:
    return f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in html


def test_favicon_ico_leads_to_the_icon_rather_than_a_404(client: Client, db: None) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
    assert finders.find("img/favicon.svg")


@pytest.mark.parametrize(
    "name", ["messaging:conversation-list", "projects:project-list", "settings"]
)
def test_staff_pages_link_the_icon(client: Client, colleague: User, name: str) -> None:
    client.force_login(colleague)
    assert links_the_icon(client.get(reverse(name)).text)


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_sign_in_pages_link_the_icon(client: Client, db: None, name: str) -> None:
    assert links_the_icon(client.get(reverse(name)).text)


def test_the_portal_links_the_icon(client: Client, contact: Contact) -> None:
    client.get(portal_url(contact).removeprefix("http://127.0.0.1:8000"))
    assert links_the_icon(client.get("/portal/").text)


def test_the_extension_panel_links_the_icon(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    assert links_the_icon(client.get(reverse("cms_sync:extension-panel")).text)


def test_the_not_found_page_links_the_icon(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert links_the_icon(response.text)


def test_the_server_error_page_links_the_icon_by_a_fixed_path(settings: Any) -> None:
    # Rendered without context or the static manifest, as Django does when something broke.
    html = render_to_string("500.html")
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html


@pytest.mark.parametrize(
    ("handler", "status"), [(permission_denied, 403), (bad_request, 400)], ids=["403", "400"]
)
def test_the_other_error_pages_are_ours_and_link_the_icon(
    rf: RequestFactory, db: None, handler: Any, status: int
) -> None:
    response = handler(rf.get("/somewhere/"), exception=Exception("refused"))
    assert response.status_code == status
    html = response.content.decode()
    assert links_the_icon(html) and "Go to Hona Messaging" in html
