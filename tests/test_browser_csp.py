"""In Chromium: every staff, portal and admin page runs under a strict Content-Security-Policy
(no inline script or style, no eval, no framing) and nothing on them is refused by it.

Each page gets, before any of its own scripts, a listener that reports every
`securitypolicyviolation` (and htmx's `htmx:evalDisallowedError`) to the test; every document the
server answers must carry the policy. The walk clicks through what a staff member and a client
really use, so a handler or style that still needs 'unsafe-inline' or 'unsafe-eval' shows up.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    FilePayload,
    Page,
    Response,
    expect,
)

from cms_sync import actions as cms
from hona.models import Organization, User
from messaging import actions
from messaging.actions import NewFile
from messaging.models import Contact, Message, Thread
from messaging.portal import portal_url
from notifications.actions import notify_filing_failure
from projects.actions import create_project
from projects.models import Project
from tests.conftest import PASSWORD, receive, write
from tests.fakes.clio import FakeClio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTENSION = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"

# Runs in every page and frame before the page's own scripts.
REPORTER = """
(() => {
  const send = (kind, detail) =>
    window.__hona_csp_report(Object.assign({kind, page: location.href}, detail));
  document.addEventListener("securitypolicyviolation", (e) => send("violation", {
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample,
  }), true);
  document.addEventListener("htmx:evalDisallowedError", (e) => send("eval", {
    element: e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : String(e.target),
  }), true);
})();
"""


def _png() -> bytes:
    """A real 2x2 PNG, so the thread shows an inline image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x1e\x3a\x8a" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


@dataclass
class PolicyWatch:
    """Everything the browser refused, and every page the server sent without the policy."""

    origin: str
    problems: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def report(self, source: Any, event: dict[str, Any]) -> None:
        self.problems.append(f"{event.pop('kind')} on {event.pop('page')}: {event}")

    def console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"console on {message.page and message.page.url}: {message.text}")

    def page_error(self, error: Any) -> None:
        self.problems.append(f"script error: {error}")

    def response(self, response: Response) -> None:
        request = response.request
        if request.resource_type != "document" or not response.url.startswith(self.origin):
            return
        path = urlsplit(response.url).path
        self.documents.append(path)
        headers = [
            h["value"]
            for h in response.headers_array()
            if h["name"].lower() == "content-security-policy"
        ]
        if len(headers) != 1:
            self.problems.append(f"{path} ({response.status}) has {len(headers)} CSP headers")
            return
        policy = directives(headers[0])
        expected_ancestors = [EXTENSION] if path == "/extension/panel/" else ["'none'"]
        checks = {
            "default-src": policy.get("default-src") == ["'self'"],
            "script-src": policy.get("script-src") == ["'self'"],
            "style-src": policy.get("style-src") == ["'self'"],
            "object-src": policy.get("object-src") == ["'none'"],
            "frame-ancestors": policy.get("frame-ancestors") == expected_ancestors,
        }
        for name, ok in checks.items():
            if not ok:
                self.problems.append(f"{path} ({response.status}): {name} is {policy.get(name)}")


@pytest.fixture
def watch(context: BrowserContext, live_server: Any, settings: Any) -> Iterator[PolicyWatch]:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.HONA_EXTENSION_ORIGINS = [EXTENSION]
    found = PolicyWatch(origin=live_server.url)
    context.expose_binding("__hona_csp_report", found.report)
    context.add_init_script(REPORTER)
    context.on("console", found.console)
    context.on("weberror", lambda web_error: found.page_error(web_error.error))
    context.on("response", found.response)
    yield found
    # Shown with any failure, also one that stopped the walk before its last assert.
    for problem in found.problems:
        print("CSP:", problem)


@dataclass
class Firm:
    project: Project
    thread: Thread
    other: Thread
    message: Message


def seed(firm: Organization, owner: User, contact: Contact, make_contact: Any) -> Firm:
    project = create_project(
        organization=firm, name="Doe v. Acme", cms_case_id="1001", assigned_staff=[owner]
    )
    actions.add_contact_to_project(contact=contact, project=project)
    thread = Thread.objects.get(contact=contact)
    receive(thread, "Did you get my documents?")
    sent = write(
        thread,
        owner,
        "Here is the photo of the signed page.",
        status="delivered",
        files=[NewFile(name="page.png", content=_png(), content_type="image/png")],
    )
    lease = NewFile(name="lease.pdf", content=b"%PDF-1.4 lease", content_type="application/pdf")
    write(thread, owner, "And the lease.", status="delivered", files=[lease])
    notify_filing_failure(message=sent, reason="Clio refused the entry (404).")
    actions.create_template(
        organization=firm, name="Office hours", body="We are open 9 to 5.", created_by=owner
    )
    other = make_contact(firm, "Sam Lee").thread
    receive(other, "Quick question about my case")
    return Firm(project=project, thread=thread, other=other, message=sent)


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/")
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()
    page.wait_for_load_state("load")  # htmx and app scripts are deferred: let them bind first


def open_plus(page: Page) -> None:
    page.get_by_label("Add a file, template or link").click()


def settle(page: Page) -> None:
    """Let htmx finish what the last click started (its requests carry .htmx-request)."""
    page.wait_for_load_state("networkidle")
    expect(page.locator(".htmx-request")).to_have_count(0)


def test_staff_pages_run_under_the_policy_with_nothing_refused(
    page: Page,
    watch: PolicyWatch,
    live_server: Any,
    fake_clio: FakeClio,
    firm: Organization,
    owner: User,
    colleague: User,
    contact: Contact,
    make_contact: Any,
) -> None:
    data = seed(firm, owner, contact, make_contact)
    url = live_server.url

    sign_in(page, url, "owner")
    # The list: search as you type, a filter, the unread badge's list.
    search = page.get_by_label("Search by contact")
    search.fill("Sam")
    expect(page.locator(".conversation-row")).to_have_count(1)
    search.fill("")
    expect(page.locator(".conversation-row")).to_have_count(2)
    page.get_by_role("radio", name="Archived").check()
    settle(page)
    page.get_by_role("radio", name="All").check()
    settle(page)
    page.locator("[data-unread-summary]").click()
    expect(page.locator("#unread-list")).to_contain_text("Sam Lee")
    expect(page.locator("#unread-list")).to_contain_text("was not filed to the case")
    page.keyboard.press("Escape")

    # A thread: its image, the thread menu, every (+) item.
    page.goto(f"{url}/conversations/{data.thread.pk}/")
    image = page.locator("li.message img").first
    expect(image).to_be_visible()
    # Loaded, not refused: visible is not yet loaded, and a live update may redraw the thread
    # (a new <img> loading again), so the page is asked until the one it shows has loaded.
    page.wait_for_function(
        "() => { const img = document.querySelector('li.message img');"
        " return !!img && img.complete && img.naturalWidth === 2; }"
    )
    page.get_by_label("Thread actions").click()
    expect(page.get_by_role("button", name="Flag for team review")).to_be_visible()
    page.keyboard.press("Escape")

    box = page.get_by_label("Message to Jane Doe")
    box.fill("Hello! ")
    open_plus(page)
    page.get_by_role("button", name="Insert message template").click()
    picker = page.get_by_role("dialog", name="Insert message template")
    picker.get_by_role("button", name=re.compile("Office hours")).click()
    expect(box).to_have_value("Hello! We are open 9 to 5.")
    open_plus(page)
    page.get_by_role("button", name="Insert link to conversation").click()
    expect(box).to_have_value(re.compile(r"/p/\S+ $"))  # a space keeps it apart from what follows

    page.locator("[data-composer-files]").set_input_files(
        [FilePayload(name="notes.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 notes")]
    )
    expect(page.locator("[data-composer-file-list] li")).to_have_count(1)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list .attachment-name", has_text="notes.pdf")).to_be_visible()
    settle(page)

    # With Clio connected (only now: SQLite in tests shares one connection between the live
    # server's threads, so the fewer writes that overlap the page's polling, the better),
    # "Attach file from integration" opens the case's documents.
    cms.connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="http://x/cb")
    fake_clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    page.reload()
    open_plus(page)
    page.get_by_role("button", name="Attach file from integration").click()
    documents = page.get_by_role("dialog", name=re.compile("Attach file from Doe v. Acme"))
    expect(documents).to_be_visible()
    expect(documents.get_by_text("signed-lease.pdf")).to_be_visible(timeout=10_000)
    documents.get_by_role("searchbox").fill("nothing-like-this")
    expect(documents.get_by_text("No document matches")).to_be_visible(timeout=10_000)
    documents.get_by_label("Close").click()
    expect(documents).to_be_hidden()

    # Projects: expand one, its Messages tab loads the thread.
    page.goto(f"{url}/projects/")
    page.get_by_role("link", name=re.compile("Doe v. Acme")).click()
    page.get_by_role("tab", name=re.compile("Messages")).click()
    expect(page.locator(".project-panel").get_by_text("Did you get my documents?")).to_be_visible()
    settle(page)

    # Templates, settings, the other staff pages.
    page.goto(f"{url}/templates/")
    page.get_by_role("link", name="New template").click()
    expect(page.get_by_role("heading", name="New message template")).to_be_visible()
    page.goto(f"{url}{reverse('messaging:template-list')}")
    page.get_by_role("link", name="Edit Office hours").click()
    expect(page.get_by_label("Body")).to_have_value("We are open 9 to 5.")
    for path in [
        reverse("settings"),
        reverse("notifications:settings"),
        reverse("notifications:team-settings"),
        reverse("cms_sync:integration"),
        reverse("messaging:conversation-new"),
        reverse("messaging:contact-edit", args=[contact.pk]),
        reverse("notifications:center"),
        reverse("password_change"),
        f"{reverse('cms_sync:extension-panel')}?case=1001",
        "/no-such-page/",
    ]:
        page.goto(f"{url}{path}")
        settle(page)
    page.goto(f"{url}{reverse('messaging:conversation-new')}")
    page.get_by_label("Search by contact").fill("Jane")
    settle(page)
    # A client's link opened by staff: the read-only preview of the portal.
    page.goto(portal_url(contact))
    expect(page.get_by_text("Preview: this is what Jane Doe sees.")).to_be_visible()
    settle(page)

    # The admin site: its index, a list with actions, and a change page with its widgets.
    page.goto(f"{url}/admin/")
    expect(page.get_by_role("heading", name=re.compile("administration|Site"))).to_be_visible()
    for model in ["messaging/contact", "messaging/message", "projects/project", "hona/user"]:
        page.goto(f"{url}/admin/{model}/")
        settle(page)
    for change in [
        f"projects/project/{data.project.pk}",
        f"messaging/contact/{contact.pk}",  # the two-list widget for its projects
        f"messaging/thread/{data.thread.pk}",  # messages and files inline
        f"messaging/message/{data.message.pk}",
        f"hona/user/{colleague.pk}",
        f"hona/organization/{firm.pk}",
    ]:
        page.goto(f"{url}/admin/{change}/change/")
        expect(page).to_have_url(f"{url}/admin/{change}/change/")  # not sent away: it exists
        expect(page.locator("#content h1")).to_be_visible()
        settle(page)

    # Connecting Clio posts, then the server sends the browser on to Clio's sign-in page.
    page.goto(f"{url}{reverse('cms_sync:integration')}")
    page.get_by_role("button", name="Disconnect").click()
    page.get_by_role("button", name="Connect Clio").click()
    page.wait_for_url(re.compile("^" + re.escape(fake_clio.base_url) + "/oauth/authorize"))

    page.goto(f"{url}/")
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()

    assert {"/accounts/login/", "/conversations/", "/admin/", "/extension/panel/"} <= set(
        watch.documents
    )
    assert watch.problems == []


def test_the_client_portal_runs_under_the_policy_with_nothing_refused(
    page: Page, watch: PolicyWatch, live_server: Any, owner: User, thread: Thread
) -> None:
    write(thread, owner, "Please send us the signed lease.", status="delivered")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(portal_url(thread.contact))
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_text("Please send us the signed lease.")).to_be_visible()
    page.get_by_label("Message to Demo Law").fill("Here it is, signed.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list li", has_text="Here it is, signed.")).to_be_visible()
    page.locator("#portal-files").set_input_files(
        [FilePayload(name="lease.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 signed")]
    )
    expect(page.get_by_text("lease.pdf").first).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list .attachment-name", has_text="lease.pdf")).to_be_visible()
    settle(page)

    # Revoked links: the page that offers a fresh one, and the portal once the link has ended.
    old = portal_url(thread.contact)
    page.goto("about:blank")  # stops the portal's polling while the test writes
    actions.revoke_portal_links(contact=thread.contact)
    page.goto(old)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_role("button", name="Send me a new link")).to_be_visible()
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Please open your link again")).to_be_visible()

    assert "/portal/" in watch.documents
    assert watch.problems == []


def test_in_development_the_debug_helpers_run_under_the_policy_too(
    page: Page, watch: PolicyWatch, live_server: Any, settings: Any, owner: User, thread: Thread
) -> None:
    """`make run` sets DEBUG: django-htmx adds its debug script and the phone simulator appears."""
    settings.DEBUG = True
    receive(thread, "Can you call me back?")
    sign_in(page, live_server.url, "owner")
    expect(page.locator('script[src*="django-htmx"]')).to_have_count(1)
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    page.get_by_label("Message to Jane Doe").fill("Calling at 3.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list li.message-out", has_text="Calling at 3.")).to_be_visible()
    page.get_by_role("link", name="Phone simulator").click()
    page.get_by_role("link", name="Jane Doe").click()
    expect(page.get_by_text("Calling at 3.")).to_be_visible()
    settle(page)
    assert watch.problems == []


def test_two_factor_sign_in_runs_under_the_policy_with_nothing_refused(
    page: Page, watch: PolicyWatch, live_server: Any, owner: User, admin_two_factor: None
) -> None:
    """Set up (the QR code is inline SVG), recovery codes, then the code step at sign-in."""
    from tests.test_browser_two_factor import password_step, phone_code

    password_step(page, live_server, "owner", "/admin/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("svg => svg.getBoundingClientRect().width") > 100  # styled, not collapsed
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("6-digit code from the app").fill(phone_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I\u2019ve saved them — continue").click()
    expect(page.get_by_role("heading", name="Firm administration")).to_be_visible()
    page.goto(f"{live_server.url}/settings/two-factor/")
    settle(page)

    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    password_step(page, live_server, "owner", "/admin/")
    expect(page.get_by_label("Code")).to_be_focused()
    page.get_by_label("Code").fill(phone_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Firm administration")).to_be_visible()

    assert {"/settings/two-factor/setup/", "/accounts/two-factor/"} <= set(watch.documents)
    assert watch.problems == []
