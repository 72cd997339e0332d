"""In Chromium: the browser extension's side panel and options page (extension/*.js), with the
chrome.* APIs stubbed and the pages served from the live server's origin.

Signed out, the panel offers to sign in, opens Hona's sign-in in a tab, closes it once signed in
and shows the project; with Hona not reachable it says so with the address and a way to the
options; the options page keeps only an http(s) origin and asks for permission to reach it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from hona.models import Organization
from projects.actions import create_project
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTENSION = Path(__file__).resolve().parent.parent / "extension"
EXTENSION_ID = "abcdefghijklmnopabcdefghijklmnop"
CASE_TAB = "https://app.clio.com/nc/#/matters/1001"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}

# The chrome.* the extension uses, recording what it asks for in window.__calls.
CHROME_STUB = """
(() => {
  const settings = %(settings)s;
  const calls = { created: [], removed: [], activated: [], options: 0, permissions: [] };
  const listeners = { updated: [], removed: [], activated: [], storage: [] };
  const store = { base: settings.base };
  window.__calls = calls;
  window.__tabUpdated = (tabId, url) =>
    listeners.updated.forEach((listener) => listener(tabId, { url }, { id: tabId, url }));
  window.chrome = {
    runtime: { id: settings.id, openOptionsPage: async () => { calls.options += 1; } },
    storage: {
      sync: {
        get: async () => (store.base === null ? {} : { base: store.base }),
        set: async (values) => { Object.assign(store, values); calls.saved = values; },
      },
      onChanged: { addListener: (listener) => listeners.storage.push(listener) },
    },
    permissions: {
      contains: async () => true,
      request: async (wanted) => { calls.permissions.push(wanted); return true; },
    },
    tabs: {
      query: async () => [{ id: 1, url: settings.tabUrl }],
      create: async ({ url }) => { calls.created.push(url); return { id: 99, url }; },
      remove: async (tabId) => { calls.removed.push(tabId); },
      update: async (tabId) => { calls.activated.push(tabId); },
      onActivated: { addListener: (listener) => listeners.activated.push(listener) },
      onUpdated: { addListener: (listener) => listeners.updated.push(listener) },
      onRemoved: { addListener: (listener) => listeners.removed.push(listener) },
    },
  };
})();
"""


def open_extension_page(page: Page, live_server: Any, name: str, base: str | None) -> None:
    """extension/<name> at <live server>/__extension__/<name>, with chrome.* stubbed."""
    prefix = f"{live_server.url}/__extension__/"

    def serve(route: Route) -> None:
        file = EXTENSION / route.request.url.removeprefix(prefix).split("?")[0]
        route.fulfill(body=file.read_bytes(), content_type=TYPES[file.suffix])

    page.route(f"{prefix}**", serve)
    settings = {"base": base, "id": EXTENSION_ID, "tabUrl": CASE_TAB}
    page.add_init_script(CHROME_STUB % {"settings": json.dumps(settings)})
    page.goto(prefix + name)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def case(firm: Organization, settings: Any, live_server: Any) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    # The test serves the extension's pages from the live server (a page cannot be served from
    # chrome-extension://), so that origin stands in for the extension's own.
    settings.HONA_EXTENSION_ORIGINS = [f"chrome-extension://{EXTENSION_ID}", live_server.url]
    create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")


def test_signed_out_the_panel_offers_sign_in_and_then_shows_the_case(
    page: Page, live_server: Any, owner: Any, case: None
) -> None:
    open_extension_page(page, live_server, "sidepanel.html", live_server.url)

    expect(page.get_by_role("heading", name="Sign in to Hona")).to_be_visible()
    expect(page.get_by_text(f"You are signed out of Hona at {live_server.url}.")).to_be_visible()
    expect(page.locator("#panel")).to_be_hidden()
    page.get_by_role("button", name="Sign in to Hona").click()
    sign_in_url = f"{live_server.url}/accounts/login/?next=/extension/signed-in/"
    page.wait_for_function("window.__calls.created.length === 1")
    assert page.evaluate("window.__calls.created") == [sign_in_url]

    # The tab it opened: sign in there, and it lands on "signed in".
    tab = page.context.new_page()
    tab.goto(sign_in_url)
    tab.get_by_label("Username or email").fill("owner")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="You are signed in to Hona")).to_be_visible()
    page.evaluate(f"window.__tabUpdated(99, {json.dumps(tab.url)})")

    panel = page.frame_locator("#panel")
    expect(panel.get_by_role("heading", name="Doe v. Acme")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to Hona")).to_be_hidden()
    assert page.evaluate("window.__calls.removed") == [99]  # the sign-in tab is closed
    assert page.evaluate("window.__calls.activated") == [1]  # and the case's tab is back


def test_when_hona_is_not_reachable_the_panel_says_so_with_the_address(
    page: Page, live_server: Any, case: None
) -> None:
    nowhere = f"http://127.0.0.1:{_closed_port()}"
    open_extension_page(page, live_server, "sidepanel.html", nowhere)

    expect(page.get_by_role("heading", name="Hona is not reachable")).to_be_visible()
    expect(page.get_by_text(f"Hona is not reachable at {nowhere}.")).to_be_visible()
    expect(page.get_by_text("Is it running at that address?")).to_be_visible()
    expect(page.locator("#panel")).to_be_hidden()
    page.get_by_role("button", name="Change the address").click()
    page.wait_for_function("window.__calls.options === 1")


def test_without_an_address_the_panel_asks_for_one(
    page: Page, live_server: Any, case: None
) -> None:
    open_extension_page(page, live_server, "sidepanel.html", None)
    expect(page.get_by_role("heading", name="Set your Hona address")).to_be_visible()
    page.get_by_role("button", name="Set the address").click()
    page.wait_for_function("window.__calls.options === 1")


def test_the_options_page_keeps_the_origin_and_asks_to_reach_it(
    page: Page, live_server: Any
) -> None:
    open_extension_page(page, live_server, "options.html", None)
    address = page.get_by_label("Your Hona address")
    expect(address).to_have_value("")

    address.fill("not an address at all")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Enter the address you open Hona at, such as https://messages.your-firm.com."
    )
    assert page.evaluate("window.__calls.saved") is None

    address.fill("http://127.0.0.1:8100/conversations/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(
        "Saved. The side panel now shows Hona from http://127.0.0.1:8100."
    )
    assert page.evaluate("window.__calls.saved") == {"base": "http://127.0.0.1:8100"}
    assert page.evaluate("window.__calls.permissions") == [{"origins": ["http://127.0.0.1:8100/*"]}]
    expect(address).to_have_value("http://127.0.0.1:8100")
