"""In Chromium: a staff member signs in and finds the shell usable on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hona.models import User
from messaging.models import Thread
from tests.conftest import PASSWORD, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_signing_in_shows_the_conversations_page_with_the_unread_badge(
    page: Page, live_server: Any, colleague: User, thread: Thread
) -> None:
    receive(thread)
    sign_in(page, live_server, "colleague")
    expect(page).to_have_url(f"{live_server.url}/conversations/")
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()
    expect(page.get_by_text("Demo Law").first).to_be_visible()
    expect(page.get_by_label("Messages: 1 unread conversation")).to_be_visible()
    assert page.title().startswith("(1) ")


def test_on_a_phone_the_menu_opens_and_nothing_overflows(
    page: Page, live_server: Any, colleague: User
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "colleague")
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates")
    expect(nav_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    nav_link.click()
    expect(page.get_by_role("heading", name="Message templates")).to_be_visible()


def test_signing_out_returns_to_the_sign_in_page(
    page: Page, live_server: Any, colleague: User
) -> None:
    sign_in(page, live_server, "colleague")
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()
    page.goto(f"{live_server.url}/conversations/")
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()


def test_the_sidebar_marks_the_page_you_are_on_the_phone_simulator_too(
    page: Page, live_server: Any, settings: Any, colleague: User
) -> None:
    settings.DEBUG = True  # the Phone simulator exists in development only
    sign_in(page, live_server, "colleague")
    nav = page.get_by_role("navigation", name="Main")
    destinations = ["Projects", "Conversations", "Templates", "Settings", "Phone simulator"]
    for name in destinations:
        nav.get_by_role("link", name=name).click()
        current = nav.locator('[aria-current="page"]')
        expect(current).to_have_count(1)
        expect(current).to_contain_text(name)
        others = [n for n in destinations if n != name]
        look = "a => getComputedStyle(a).backgroundColor + getComputedStyle(a).fontWeight"
        current_look = current.evaluate(look)
        for other in others:
            assert nav.get_by_role("link", name=other).evaluate(look) != current_look, other
