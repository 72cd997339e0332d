"""In Chromium, at a laptop's width (1366x800) and a phone's (390x844): a tour of every staff and
portal page.

On every page, and while clicking through what staff and clients really do on it:
- the browser's console shows no error and no request fails, except the 4xx answers the tour
  asks for on purpose (the 404 page, a form sent incomplete);
- axe-core, vendored from its npm package, finds no serious or critical accessibility violation.

And the send flow works by keyboard alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    FilePayload,
    Page,
    Request,
    Response,
    expect,
)

from cms_sync import actions as cms
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, MessageTemplate, Thread
from messaging.portal import portal_url
from tests.conftest import receive, write
from tests.fakes.clio import FakeClio
from tests.test_browser_csp import EXTENSION, seed, settle, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = {"laptop": (1366, 800), "phone": (390, 844)}

# axe's own defaults (WCAG 2.x A and AA and best practices); a violation counts when axe rates its
# impact serious or critical.
# The page's animations that end (a bubble fading in), not its spinners.
FADING = (
    "document.getAnimations().filter((a) => a.playState === 'running' && a.effect &&"
    " a.effect.getComputedTiming().iterations !== Infinity)"
)
RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
    }));
}
"""


@dataclass
class Audit:
    """What the browser complained of, and what axe found, page by page."""

    origin: str
    problems: list[str] = field(default_factory=list)
    expected: set[tuple[str, int]] = field(default_factory=set)
    checked: list[str] = field(default_factory=list)
    axe_running: bool = False

    def expect_status(self, path: str, status: int) -> None:
        """This path answers `status` on purpose (a 404 page, a 422 form)."""
        self.expected.add((path, status))

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or self.axe_running:
            return
        # The browser logs every 4xx/5xx as "Failed to load resource"; `response` judges those.
        if message.text.startswith("Failed to load resource: the server responded"):
            return
        self.problems.append(
            f"console error on {message.page and message.page.url}: {message.text}"
        )

    def response(self, response: Response) -> None:
        if response.status < 400 or not response.url.startswith(self.origin):
            return
        path = urlsplit(response.url).path
        if (path, response.status) not in self.expected:
            self.problems.append(f"{response.request.method} {path} answered {response.status}")

    def request_failed(self, request: Request) -> None:
        failure = request.failure or ""
        # Leaving a page cancels its pending requests (polling): not a failure the user sees.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"{request.method} {request.url} failed: {failure}")

    def axe(self, page: Page, label: str) -> None:
        settle(page)
        # A message that just arrived fades in: judge its colours once it has. A live update
        # can swap a bubble in again (the stored reply in place of the one being sent) just
        # after, so wait until two looks a moment apart find nothing fading.
        quiet = 0
        for _ in range(20):
            if page.evaluate(f"() => {FADING}.length"):
                quiet = 0
                page.evaluate(f"() => Promise.all({FADING}.map((a) => a.finished))")
                page.wait_for_timeout(150)
            else:
                quiet += 1
                if quiet == 2:
                    break
                page.wait_for_timeout(50)
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Through the DevTools protocol, which the page's Content-Security-Policy leaves alone.
            page.evaluate(AXE + "\n;true")
        # axe's probes (it tries styles on elements) log refusals by the page's policy: not the
        # page's own errors.
        self.axe_running = True
        try:
            violations = page.evaluate(RUN_AXE)
        finally:
            self.axe_running = False
        for violation in violations:
            self.problems.append(
                f"axe {violation['impact']} {violation['id']} on {label} ({page.url}): "
                f"{violation['help']}: {violation['nodes']}"
            )
        self.checked.append(label)


@pytest.fixture(params=list(WIDTHS))
def audit(
    request: pytest.FixtureRequest,
    context: BrowserContext,
    page: Page,
    live_server: Any,
    settings: Any,
) -> Iterator[Audit]:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.HONA_EXTENSION_ORIGINS = [EXTENSION]
    width, height = WIDTHS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    found = Audit(origin=live_server.url)
    context.on("console", found.console)
    context.on("response", found.response)
    context.on("requestfailed", found.request_failed)
    context.on("weberror", lambda web_error: found.problems.append(f"script: {web_error.error}"))
    yield found
    for problem in found.problems:  # shown with any failure
        print("TOUR:", problem)


def test_every_staff_page_has_no_console_error_and_no_serious_accessibility_violation(
    page: Page,
    audit: Audit,
    live_server: Any,
    fake_clio: FakeClio,
    firm: Organization,
    owner: User,
    contact: Contact,
    make_contact: Any,
) -> None:
    url = live_server.url
    cms.connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="http://x/cb")
    fake_clio.add_document(1001, "signed-lease.pdf", b"%PDF-1.4 lease", "application/pdf")
    data = seed(firm, owner, contact, make_contact)
    template = MessageTemplate.objects.get(organization=firm, name="Office hours")

    page.goto(f"{url}/")
    audit.axe(page, "sign-in")
    sign_in(page, url, "owner")
    audit.axe(page, "conversations")
    page.locator("[data-unread-summary]").click()
    expect(page.locator("#unread-list")).to_contain_text("Sam Lee")
    audit.axe(page, "unread list")
    page.keyboard.press("Escape")

    page.goto(f"{url}/conversations/{data.thread.pk}/")
    expect(page.locator("li.message").first).to_be_visible()
    audit.axe(page, "thread")
    page.get_by_label("Add a file, template or link").click()
    audit.axe(page, "thread (+) menu")
    page.get_by_role("button", name="Insert message template").click()
    expect(page.get_by_role("dialog", name="Insert message template")).to_be_visible()
    audit.axe(page, "template picker")
    page.keyboard.press("Escape")
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Attach file from integration").click()
    documents = page.get_by_role("dialog", name=re.compile("Attach file from Doe v. Acme"))
    expect(documents.get_by_text("signed-lease.pdf")).to_be_visible(timeout=10_000)
    audit.axe(page, "documents picker")
    documents.get_by_label("Close").click()
    page.get_by_label("Thread actions").click()
    audit.axe(page, "thread actions")
    page.keyboard.press("Escape")
    # A file Hona refuses: the server answers 422 with the reason, shown above the draft.
    audit.expect_status(reverse("messaging:thread-send", args=[data.thread.pk]), 422)
    page.get_by_label("Message to Jane Doe").fill("Here is the tool.")
    page.locator("[data-composer-files]").set_input_files(
        [
            FilePayload(
                name="tool.exe", mimeType="application/octet-stream", buffer=b"MZ\x90\x00" * 64
            )
        ]
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-error")).to_be_visible()
    expect(page.get_by_label("Message to Jane Doe")).to_have_value("Here is the tool.")
    audit.axe(page, "thread with a refused file")

    page.goto(f"{url}/projects/")
    audit.axe(page, "projects")
    page.get_by_role("link", name=re.compile("Doe v. Acme")).click()
    page.get_by_role("tab", name=re.compile("Messages")).click()
    expect(page.locator(".project-panel").get_by_text("Did you get my documents?")).to_be_visible()
    audit.axe(page, "project messages")

    # A form sent incomplete answers 422 on purpose and shows what to fix.
    create = reverse("messaging:template-create")
    audit.expect_status(create, 422)
    audit.expect_status(create, 400)
    page.goto(f"{url}{create}")
    audit.axe(page, "new template")
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.locator(".errorlist, .form-error, [role=alert]").first).to_be_visible()
    audit.axe(page, "new template with errors")

    audit.expect_status("/no-such-page/", 404)
    for label, path in [
        ("templates", reverse("messaging:template-list")),
        ("settings", reverse("settings")),
        ("notification settings", reverse("notifications:settings")),
        ("team notifications", reverse("notifications:team-settings")),
        ("integration", reverse("cms_sync:integration")),
        ("notification center", reverse("notifications:center")),
        ("new conversation", reverse("messaging:conversation-new")),
        ("contact", reverse("messaging:contact-edit", args=[contact.pk])),
        ("password change", reverse("password_change")),
        ("two-factor", reverse("two-factor")),
        ("two-factor set-up", reverse("two-factor-setup")),
        ("unread page", reverse("notifications:unread-list")),
        ("delete template", reverse("messaging:template-delete", args=[template.pk])),
        ("extension panel", f"{reverse('cms_sync:extension-panel')}?case=1001"),
        ("not found", "/no-such-page/"),
        ("portal preview", urlsplit(portal_url(contact)).path),
    ]:
        page.goto(f"{url}{path}")
        audit.axe(page, label)

    page.goto(f"{url}/")
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Hona Messaging")).to_be_visible()
    audit.axe(page, "signed out")
    page.goto(f"{url}{reverse('password_reset')}")
    audit.axe(page, "password reset")
    page.get_by_label(re.compile("Email")).fill("owner@example.com")
    page.get_by_role("button", name=re.compile("reset|Send", re.I)).click()
    page.wait_for_url(re.compile("/accounts/password_reset/done/"))
    audit.axe(page, "password reset sent")

    assert len(audit.checked) == 32
    assert audit.problems == []


def test_the_phone_simulator_has_no_console_error_and_no_serious_accessibility_violation(
    page: Page, audit: Audit, live_server: Any, settings: Any, owner: User, thread: Thread
) -> None:
    settings.DEBUG = True  # `make run`: the simulator and django-htmx's debug script
    receive(thread, "Can you call me back?")
    write(thread, owner, "Calling at 3.", status="delivered")
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{reverse('messaging:phone-simulator')}")
    audit.axe(page, "simulator")
    page.get_by_role("link", name="Jane Doe").click()
    expect(page.get_by_text("Calling at 3.")).to_be_visible()
    audit.axe(page, "simulator phone")
    assert audit.problems == []


def test_every_portal_page_has_no_console_error_and_no_serious_accessibility_violation(
    page: Page, audit: Audit, live_server: Any, owner: User, thread: Thread
) -> None:
    write(thread, owner, "Please send us the signed lease.", status="delivered")
    receive(thread, "Will do")
    page.goto(portal_url(thread.contact))
    expect(page.get_by_text("Please send us the signed lease.")).to_be_visible()
    audit.axe(page, "portal")
    page.get_by_label("Message to Demo Law").fill("Here it is, signed.")
    page.get_by_role("button", name="Send").click()
    # The stored reply (it has the message's id) in place of the one being sent, then judged.
    expect(page.locator("#message-list li[id]", has_text="Here it is, signed.")).to_be_visible()
    audit.axe(page, "portal after sending")

    old = portal_url(thread.contact)
    page.goto("about:blank")  # stops the portal's polling while the test writes
    actions.revoke_portal_links(contact=thread.contact)
    audit.expect_status(urlsplit(old).path, 403)  # the link was revoked: it offers a new one
    audit.expect_status("/portal/", 403)
    page.goto(old)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    audit.axe(page, "portal link invalid")
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Please open your link again")).to_be_visible()
    audit.axe(page, "portal ended")
    assert audit.problems == []


def test_staff_send_a_message_by_keyboard_alone(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    receive(thread, "Are you there?")
    sign_in(page, live_server.url, "owner")

    def tab_to(predicate: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate}; }}"):
                return
        raise AssertionError(f"Tab never reached: {predicate}")

    tab_to("el.matches('a') && el.textContent.includes('Jane Doe')")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message to Jane Doe")).to_be_visible()
    tab_to("el.matches('textarea')")
    page.keyboard.type("Yes, typed without a mouse.")
    tab_to("el.matches('button') && el.textContent.trim() === 'Send'")
    # A visible focus ring on the button that will act.
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }"
    )
    assert outline
    page.keyboard.press("Enter")
    expect(
        page.locator("#message-list li.message-out", has_text="Yes, typed without a mouse.")
    ).to_be_visible()
    expect(page.get_by_label("Message to Jane Doe")).to_have_value("")


def test_the_firm_admin_pages_have_no_console_error_and_no_serious_accessibility_violation(
    page: Page, audit: Audit, live_server: Any, owner: User, contact: Contact, thread: Thread
) -> None:
    receive(thread, "Hello")
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/admin/")
    audit.axe(page, "admin index")
    for model in ["messaging/contact", "messaging/message", "projects/project", "hona/user"]:
        page.goto(f"{live_server.url}/admin/{model}/")
        audit.axe(page, f"admin {model} list")
    for change in [f"messaging/contact/{contact.pk}", f"messaging/thread/{thread.pk}"]:
        page.goto(f"{live_server.url}/admin/{change}/change/")
        audit.axe(page, f"admin {change}")
    assert audit.problems == []
