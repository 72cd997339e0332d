"""In Chromium: live updates are pushed (server-sent events), not polled; when the stream is
down the page says it is reconnecting, polls slowly, and catches up once it is back."""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Request, Route, expect

from hona.models import User
from messaging import actions
from messaging.models import Thread
from messaging.portal import portal_url
from tests.conftest import receive
from tests.test_browser_workspace import open_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What used to poll: the open thread, the conversation list, the badge and the portal thread.
POLLED = re.compile(r"/(updates|conversations|badge)/(\?|$)")


def requests_to(page: Page, pattern: re.Pattern[str]) -> list[str]:
    seen: list[str] = []

    def note(request: Request) -> None:
        if pattern.search(request.url):
            seen.append(request.url)

    page.on("request", note)
    return seen


def test_an_idle_thread_asks_nothing_and_a_reply_appears_within_a_second(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    expect(page.locator("body")).to_have_attribute("data-live", "up")
    asked = requests_to(page, POLLED)
    time.sleep(4.5)  # longer than the old 4 s poll of an open thread
    assert asked == []

    started = time.monotonic()
    receive(thread, "Is the hearing still on Monday?")
    expect(page.locator("#message-list")).to_contain_text(
        "Is the hearing still on Monday?", timeout=1_500
    )
    assert time.monotonic() - started < 1.5
    # The conversation list beside it follows in the same push.
    expect(page.locator(".conversation-row", has_text="Jane Doe")).to_contain_text(
        "Is the hearing still on Monday?"
    )


def test_without_its_stream_the_page_says_it_is_reconnecting_polls_and_catches_up(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.LIVE_POLL_SECONDS = 2
    down = {"value": True}

    def stream(route: Route) -> None:
        if down["value"]:
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r"/live/$"), stream)
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    status = page.get_by_role("status").filter(has_text="Reconnecting")
    expect(status).to_be_visible()
    expect(status).to_contain_text("checks for new messages every 2 seconds")

    # Still live, only slower: the slow poll brings the reply.
    receive(thread, "Did you get my email?")
    expect(page.locator("#message-list")).to_contain_text("Did you get my email?", timeout=5_000)

    # The stream comes back: the notice goes, and pushes resume.
    down["value"] = False
    expect(status).to_be_hidden(timeout=15_000)
    expect(page.locator("body")).to_have_attribute("data-live", "up")
    receive(thread, "And the second one?")
    expect(page.locator("#message-list")).to_contain_text("And the second one?", timeout=1_500)


def test_the_client_portal_shows_the_firms_reply_without_asking(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(portal_url(thread.contact))
    expect(page.locator("body")).to_have_attribute("data-live", "up")
    asked = requests_to(page, POLLED)
    time.sleep(5.5)  # longer than the portal's old 5 s poll
    assert asked == []
    actions.send_message(thread=thread, sender=owner, body="Your hearing moved to Tuesday.")
    expect(page.locator("#message-list")).to_contain_text(
        "Your hearing moved to Tuesday.", timeout=1_500
    )


def test_scheduled_messages_written_elsewhere_appear_but_never_under_an_open_edit(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    expect(page.locator("body")).to_have_attribute("data-live", "up")
    scheduled = page.locator("#scheduled-list")
    expect(scheduled).to_be_hidden()
    when = timezone.now() + datetime.timedelta(days=1)
    # Another screen (a colleague, a second tab) schedules one: this one shows it.
    actions.schedule_message(thread=thread, sender=owner, body="Bring your ID.", send_at=when)
    expect(scheduled).to_contain_text("Bring your ID.", timeout=1_500)

    scheduled.get_by_text("Edit", exact=True).click()
    editing = scheduled.get_by_label("Message")
    editing.fill("Bring your ID and the letter.")
    actions.schedule_message(thread=thread, sender=owner, body="See you at 9.", send_at=when)
    time.sleep(1)
    expect(editing).to_have_value("Bring your ID and the letter.")  # nothing typed is lost
    scheduled.get_by_role("button", name="Save").click()
    expect(scheduled).to_contain_text("Bring your ID and the letter.")
    expect(scheduled).to_contain_text("See you at 9.")  # the save brought the list up to date
