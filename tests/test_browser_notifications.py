"""In Chromium: narrowing one's own scope changes one's own badge only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from hona.models import Organization, User
from messaging.models import Contact, Thread
from notifications.actions import save_own_settings
from projects.actions import create_project
from tests.conftest import PASSWORD, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_narrower_scope_keeps_another_projects_message_off_my_badge_but_not_my_colleagues(
    page: Page,
    live_server: Any,
    firm: Organization,
    owner: User,
    colleague: User,
    make_contact: Any,
) -> None:
    everything = {"scope": "all", "in_app": True, "email_immediately": True}
    save_own_settings(user=colleague, form_data=everything)
    save_own_settings(user=owner, form_data=everything)  # the colleague who keeps "all"
    project = create_project(organization=firm, name="Not my case", assigned_staff=[owner])
    contact: Contact = make_contact(firm, "Sam Other", projects=[project])

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username or email").fill("colleague")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/settings/notifications/")
    page.get_by_label("Projects I am assigned to (and contacts with no project)").check()
    page.get_by_role("button", name="Save my settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()

    mail.outbox.clear()
    receive(Thread.objects.get(contact=contact), "A question about the other case")
    page.goto(f"{live_server.url}/conversations/")
    expect(page.locator("[data-unread-summary]")).to_have_attribute(
        "aria-label",
        "Messages: no unread conversations in your notification scope · 1 more outside it",
    )
    expect(page.locator(".scope-note")).to_contain_text("1 unread conversation is outside")
    expect(page.locator(".conversation-row", has_text="Sam Other")).to_be_visible()  # still in All

    assert [m.to for m in mail.outbox] == [[owner.email]]
    owner_page = page.context.browser.new_page()  # type: ignore[union-attr]
    owner_page.goto(f"{live_server.url}/")
    owner_page.get_by_label("Username or email").fill("owner")
    owner_page.get_by_label("Password").fill(PASSWORD)
    owner_page.get_by_role("button", name="Sign in").click()
    expect(owner_page.locator("[data-unread-summary]")).to_have_attribute(
        "aria-label", "Messages: 1 unread conversation"
    )
    owner_page.close()
