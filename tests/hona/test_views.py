"""Sign-in, sign-out, password reset and the shell around every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hona.models import User
from messaging.models import Thread
from tests.conftest import PASSWORD, receive

STAFF_PAGES = [
    "messaging:conversation-list",
    "messaging:template-list",
    "projects:project-list",
    "settings",
]


@pytest.mark.parametrize("name", ["home", *STAFF_PAGES])
def test_pages_send_an_anonymous_visitor_to_sign_in(client: Client, db: None, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signing_in_leads_to_the_conversations_page(client: Client, colleague: User) -> None:
    response = client.post(
        reverse("login"), {"username": "colleague", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("messaging:conversation-list")
    assert response.context["user"] == colleague


def test_staff_can_sign_in_with_their_email(client: Client, colleague: User) -> None:
    response = client.post(
        reverse("login"), {"username": "Colleague@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # signed in: home redirects onwards


def test_a_wrong_password_is_an_error_on_the_form(client: Client, colleague: User) -> None:
    response = client.post(reverse("login"), {"username": "colleague", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username" in response.text.lower()


def test_signing_out_is_a_post_and_ends_the_session(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("messaging:conversation-list")).status_code == 302


def test_password_reset_emails_a_working_link(client: Client, colleague: User) -> None:
    response = client.post(reverse("password_reset"), {"email": colleague.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/reset/\S+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200
    set_password = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert set_password.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("a-brand-new-passphrase")


def test_password_reset_for_an_unknown_email_sends_nothing_but_says_the_same(
    client: Client, db: None
) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_every_page_has_the_shell_with_firm_name_and_navigation(
    client: Client, colleague: User, name: str
) -> None:
    client.force_login(colleague)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.text
    assert colleague.organization is not None
    assert colleague.organization.name in html
    for label in ["Conversations", "Projects", "Templates", "Settings"]:
        assert label in html
    assert 'id="unread-badge"' in html
    assert 'aria-current="page"' in html
    assert "htmx" in html and "X-CSRFToken" in html


def test_the_badge_and_title_carry_this_users_unread_count(
    client: Client, thread: Thread, owner: User, colleague: User
) -> None:
    receive(thread)
    from messaging.actions import mark_thread_read

    mark_thread_read(user=owner, thread=thread)
    client.force_login(colleague)
    html = client.get(reverse("messaging:conversation-list")).text
    assert re.search(r"<title>\(1\) ", html)
    client.force_login(owner)
    html = client.get(reverse("messaging:conversation-list")).text
    assert not re.search(r"<title>\(\d+\) ", html)


def test_the_shell_costs_a_fixed_number_of_queries(
    client: Client, colleague: User, django_assert_max_num_queries: Any, thread: Thread
) -> None:
    client.force_login(colleague)
    client.get(reverse("messaging:conversation-list"))
    # session, user with firm, unread count, the page's own count
    with django_assert_max_num_queries(4):
        client.get(reverse("messaging:conversation-list"))


def test_health_check_reports_database_and_cache(client: Client, db: None) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_admin_link_is_offered_to_firm_admins_only(
    client: Client, owner: User, colleague: User
) -> None:
    client.force_login(owner)
    assert reverse("admin:index") in client.get(reverse("settings")).text
    client.force_login(colleague)
    assert reverse("admin:index") not in client.get(reverse("settings")).text
