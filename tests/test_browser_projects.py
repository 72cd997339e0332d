"""In Chromium: a project's Messages tab says where the thread files, and files it here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hona.models import Organization, User
from messaging.actions import add_contact_to_project, set_thread_project
from messaging.models import Contact, Thread
from projects.actions import create_project
from tests.test_browser_workspace import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_to_the_project_you_came_from_instead(
    page: Page,
    live_server: Any,
    firm: Organization,
    owner: User,
    make_contact: Callable[..., Contact],
) -> None:
    divorce = create_project(organization=firm, name="Brooks Divorce")
    custody = create_project(organization=firm, name="Brooks Custody Modification")
    jasmine = make_contact(firm, "Jasmine Brooks", projects=[divorce])
    add_contact_to_project(contact=jasmine, project=custody)
    thread = Thread.objects.get(contact=jasmine)
    set_thread_project(thread=thread, project=custody)

    sign_in(page, live_server, "owner")
    page.get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Brooks Divorce").click()
    page.get_by_role("tab", name="Messages").click()
    note = page.locator(".filing-note")
    expect(note).to_contain_text(
        "New messages in this thread are filed to Brooks Custody Modification, "
        "not to Brooks Divorce."
    )
    expect(page.get_by_label("Project", exact=True)).to_have_value(str(custody.pk))

    page.get_by_role("button", name="File to Brooks Divorce instead").click()

    expect(note).to_have_text("New messages in this thread are filed to Brooks Divorce.")
    expect(page.get_by_role("button", name="File to Brooks Divorce instead")).to_have_count(0)
    # The thread's own project selector shows the change too.
    expect(page.get_by_label("Project", exact=True)).to_have_value(str(divorce.pk))
    thread.refresh_from_db()
    assert thread.current_project == divorce

    # Choosing another project in the thread's selector updates the note at once (once the
    # last swap has settled: a person cannot choose within the same few milliseconds).
    page.wait_for_load_state("networkidle")
    page.get_by_label("Project", exact=True).select_option(str(custody.pk))
    expect(note).to_contain_text("filed to Brooks Custody Modification, not to Brooks Divorce.")
    expect(page.get_by_role("button", name="File to Brooks Divorce instead")).to_be_visible()
