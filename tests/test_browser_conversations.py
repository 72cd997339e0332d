"""In Chromium: the Conversations list itself — its layout at desk and phone widths, what its
rows show, and how it keeps up with new messages while it is open."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from cms_sync.actions import connect_clio
from hona.models import Organization, User
from messaging.actions import add_contact_to_project
from messaging.inbound import InboundSms, receive_sms
from messaging.models import Contact, Thread
from projects.actions import create_project
from tests.conftest import receive
from tests.test_browser_workspace import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK: ViewportSize = {"width": 1366, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def many_unread_threads(
    firm: Organization, make_contact: Callable[..., Contact], count: int = 60
) -> list[Thread]:
    threads = []
    for number in range(count):
        thread = make_contact(firm, f"Client {number:02d}").thread
        receive(thread, f"Message number {number}")
        threads.append(thread)
    return threads


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_a_long_list_scrolls_inside_its_pane_and_the_page_never_grows(
    page: Page,
    live_server: Any,
    owner: User,
    firm: Organization,
    make_contact: Callable[..., Contact],
    viewport: ViewportSize,
) -> None:
    many_unread_threads(firm, make_contact)
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "owner")
    expect(page.locator(".conversation-row.is-unread")).to_have_count(50)
    page_height = page.evaluate("document.scrollingElement.scrollHeight")
    assert page_height == viewport["height"]
    # The list itself is long, and scrolls in its own box down to its last row.
    results = page.locator("#conversation-results")
    assert results.evaluate("box => box.scrollHeight > 2 * box.clientHeight")
    results.evaluate("box => { box.scrollTop = box.scrollHeight; }")
    expect(page.locator(".conversation-row").nth(49)).to_be_in_viewport()
    assert page.evaluate("document.scrollingElement.scrollHeight") == viewport["height"]


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_a_long_project_name_beside_a_contact_can_be_read_whole_by_mouse_and_keyboard(
    page: Page,
    live_server: Any,
    owner: User,
    firm: Organization,
    contact: Contact,
    viewport: ViewportSize,
) -> None:
    name = "Kowalski Bankruptcy (Ch. 7) and the Creditors' Adversary Proceeding"
    add_contact_to_project(contact=contact, project=create_project(organization=firm, name=name))
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "owner")
    project = page.locator(".conversation-row", has_text="Jane Doe").locator(
        ".conversation-project"
    )
    expect(project).to_have_text(name)
    assert project.evaluate("p => p.scrollWidth > p.clientWidth"), "cut off in the list"
    expect(project).to_have_attribute("title", name)  # a mouse pointer's tooltip

    # Tabbing to the row shows the whole name.
    page.get_by_label("Search by contact").focus()
    link = page.get_by_role("link", name=re.compile("Jane Doe"))
    for _ in range(10):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    expect(link).to_be_focused()
    assert project.evaluate("p => p.scrollWidth <= p.clientWidth"), "still cut off on focus"
    expect(project).to_be_in_viewport(ratio=1)


def messages_share(page: Page) -> float:
    height = page.locator(".message-scroll").evaluate("box => box.getBoundingClientRect().height")
    return float(height) / PHONE["height"]


def test_on_a_phone_the_messages_get_most_of_the_screen_and_the_header_opens_on_demand(
    page: Page, live_server: Any, owner: User, firm: Organization, thread: Thread
) -> None:
    """A new user (welcome banner still up) opens a thread on a phone."""
    project = create_project(organization=firm, name="Estate of Margaret Bell")
    add_contact_to_project(contact=thread.contact, project=project)
    receive(thread, "Did you get the will?")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "owner")
    banner = page.get_by_role("region", name="Welcome")
    expect(banner).to_be_visible()
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Jane Doe"), level=2)).to_be_visible()
    expect(banner).to_be_visible()
    assert messages_share(page) >= 0.6
    assert page.evaluate("document.scrollingElement.scrollHeight") == PHONE["height"]

    # The rest of the header is one tap away: how the client is reached and the project.
    route = page.locator(".thread-route")
    selector = page.get_by_label("Project", exact=True)
    expect(route).to_be_hidden()
    expect(selector).to_be_hidden()
    details = page.locator("#thread-header").get_by_text("Details")
    expect(page.locator("#thread-header")).to_contain_text("Estate of Margaret Bell")
    details.click()
    expect(route).to_be_visible()
    expect(route).to_contain_text("By SMS")
    expect(selector).to_be_visible()
    details.click()
    expect(selector).to_be_hidden()

    # The welcome banner goes away for good with one tap, and the messages grow.
    before = messages_share(page)
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_have_count(0)
    assert messages_share(page) > before
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Jane Doe"), level=2)).to_be_visible()
    expect(banner).to_have_count(0)


def test_on_a_desk_the_thread_header_shows_everything_without_a_details_toggle(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    expect(page.locator(".thread-route")).to_be_visible()
    expect(page.locator("#thread-header").get_by_text("Details")).to_be_hidden()


LIVE = 3_000  # ms: pushed by the stream (hona.live); the list used to poll every 10 s


def text_in(firm: Organization, phone: str, body: str) -> None:
    """A client's text arriving through the real inbound path, as the webhook hands it over."""
    received = receive_sms(
        InboundSms(sid=f"SM{uuid.uuid4().hex}", to=firm.sms_number, from_=phone, body=body)
    )
    assert received.message is not None


def test_the_list_shows_a_new_conversation_and_reorders_without_a_reload(
    page: Page,
    live_server: Any,
    owner: User,
    firm: Organization,
    make_contact: Callable[..., Contact],
) -> None:
    older = make_contact(firm, "Olive Older", phone="+14155550101")
    receive(older.thread, "An old question")
    receive(make_contact(firm, "Nina Newer").thread, "A newer question")
    sign_in(page, live_server, "owner")
    names = page.locator(".conversation-row strong")
    expect(names).to_have_text(["Nina Newer", "Olive Older"])
    page.evaluate("window.stillTheSamePage = true")

    summary = page.locator("[data-unread-summary]")
    expect(summary).to_have_attribute("aria-label", "Messages: 2 unread conversations")

    theirs = create_project(organization=firm, name="Someone else's case")
    on_theirs = make_contact(firm, "Pat Other", projects=[theirs])
    text_in(firm, "+14155550177", "Hello, I was referred to you")
    receive(Thread.objects.get(contact=on_theirs), "For the other lawyer")
    expect(names).to_have_text(
        ["Pat Other", "New lead (415) 555-0177", "Nina Newer", "Olive Older"], timeout=LIVE
    )
    expect(page.locator(".conversation-row").nth(1)).to_have_class(re.compile("is-unread"))
    # The badge comes along in the same refresh, and says what its scope leaves out.
    expect(summary).to_have_attribute(
        "aria-label",
        "Messages: 3 unread conversations in your notification scope · 1 more outside it",
    )
    expect(summary).to_have_attribute(
        "title", "3 unread conversations in your notification scope · 1 more outside it"
    )
    expect(page.locator(".conversation-row", has_text="Pat Other")).to_have_class(
        re.compile("is-outside-scope")
    )

    text_in(firm, "+14155550101", "Any news?")
    expect(names.first).to_have_text("Olive Older", timeout=LIVE)
    expect(page.locator(".conversation-row", has_text="Olive Older")).to_contain_text("Any news?")
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_live_list_keeps_the_open_thread_the_search_and_the_scroll(
    page: Page,
    live_server: Any,
    owner: User,
    firm: Organization,
    make_contact: Callable[..., Contact],
) -> None:
    threads = many_unread_threads(firm, make_contact, count=30)
    opened = threads[10]
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/conversations/{opened.pk}/")
    search = page.get_by_label("Search by contact")
    search.fill("client")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=client"))
    results = page.locator("#conversation-results")
    expect(page.locator(".conversation-row")).to_have_count(30)
    page.wait_for_load_state("networkidle")  # the search's own swap is in before the user scrolls
    results.evaluate("box => { box.scrollTop = 300; }")
    page.evaluate("window.stillTheSamePage = true")
    focused = page.locator(f"#conversation-link-{threads[12].pk}")
    focused.evaluate("link => link.focus({preventScroll: true})")

    receive(threads[0], "A new one for the top")
    row = page.locator(".conversation-row", has_text="Client 00")
    expect(row).to_contain_text("A new one for the top", timeout=LIVE)
    expect(page.locator(".conversation-row.is-active")).to_contain_text(opened.contact.name)
    expect(search).to_have_value("client")
    expect(focused).to_be_focused()  # a keyboard user's place in the list is kept
    assert results.evaluate("box => box.scrollTop") == 300
    assert page.evaluate("window.stillTheSamePage") is True


def test_on_a_phone_the_documents_picker_lists_tickable_documents_above_its_send_button(
    page: Page,
    live_server: Any,
    fake_clio: Any,
    firm: Organization,
    owner: User,
    thread: Thread,
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    add_contact_to_project(contact=thread.contact, project=project)
    connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="http://x/cb")
    for name in ["signed-lease.pdf", "Settlement agreement, final draft (countersigned).pdf"]:
        fake_clio.add_document(1001, name, b"%PDF-1.4 " + name.encode(), "application/pdf")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    page.wait_for_load_state("load")
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Attach file from integration").click()
    picker = page.get_by_role("dialog", name="Attach file from Doe v. Acme")
    expect(picker.get_by_role("status")).to_contain_text("Loading documents from Clio")
    lease = picker.get_by_role("checkbox", name=re.compile("signed-lease.pdf"))
    expect(lease).to_be_visible(timeout=10_000)
    picker.get_by_text("signed-lease.pdf").click()  # the whole row ticks it
    expect(lease).to_be_checked()
    assert picker.locator(".documents-list li").first.evaluate(
        "li => getComputedStyle(li).listStyleType === 'none' || "
        "getComputedStyle(li.parentElement).listStyleType === 'none'"
    )
    expect(picker.get_by_role("button", name="Send chosen documents")).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_not_filed_receipt_reads_as_one_sentence(
    page: Page, live_server: Any, owner: User, firm: Organization, thread: Thread
) -> None:
    # (An integration that is off is said once, in the header: the receipt names other causes.)
    project = create_project(organization=firm, name="Estate of Margaret Bell")
    add_contact_to_project(contact=thread.contact, project=project)
    thread.refresh_from_db()
    receive(thread, "Did you get the will?")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    receipt = page.locator("li.message-in .filing-receipt")
    expect(receipt).to_have_text(
        "Not filed: Estate of Margaret Bell is not linked to a case in your CMS."
    )
    line = receipt.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)")
    # Two lines at a phone's width, not more with words stranded on lines of their own.
    assert receipt.evaluate("p => p.getBoundingClientRect().height") < 2.5 * line


def test_on_a_phone_a_thread_not_being_filed_says_so_and_the_messages_keep_the_screen(
    page: Page, live_server: Any, owner: User, firm: Organization, thread: Thread
) -> None:
    """The case is linked but no integration files it: the banner with the fix is one tap away."""
    project = create_project(organization=firm, name="Estate of Margaret Bell", cms_case_id="77")
    add_contact_to_project(contact=thread.contact, project=project)
    receive(thread, "Did you get the will?")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    header = page.locator("#thread-header")
    expect(header.locator(".thread-more-toggle")).to_contain_text("Filing off")
    banner = header.get_by_role("note")
    expect(banner).to_be_hidden()
    expect(page.get_by_role("region", name="Welcome")).to_be_visible()
    assert messages_share(page) >= 0.6

    header.get_by_text("Details").click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Messages in this thread are not being filed to your CMS")
    expect(banner.get_by_role("link", name="Turn it on in Settings → Integration")).to_be_visible()

    # On a desk the banner is simply there, and no toggle.
    page.set_viewport_size(DESK)
    expect(banner).to_be_visible()
    expect(header.locator(".thread-more-toggle")).to_be_hidden()
