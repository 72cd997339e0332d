"""In Chromium: the Conversations workspace's own behaviour (static/js/workspace.js).

The composer's counter and Send button, Ctrl+Enter, templates, the conversation link, files,
live updates with the unread badge, the thread menu, and the thread on a phone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from hona.models import Organization, User
from messaging import actions
from messaging.models import Thread
from messaging.sms import MemoryBackend
from tests.conftest import PASSWORD, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 8_000  # ms: the live update polls every 4 s


def sign_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()


def open_thread(page: Page, live_server: Any, thread: Thread) -> None:
    page.goto(f"{live_server.url}/conversations/{thread.pk}/")
    expect(
        page.get_by_role("heading", name=re.compile(thread.contact.name), level=2)
    ).to_be_visible()


def test_the_counter_shows_segments_and_encoding_and_blocks_a_message_too_long(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")
    counter = page.locator("[data-composer-counter]")
    send = page.get_by_role("button", name="Send", exact=True)

    box.fill("a" * 160)
    expect(counter).to_have_text("160 / 1600 characters · 1 SMS (GSM-7)")
    box.press("a")
    expect(counter).to_have_text("161 / 1600 characters · 2 SMS (GSM-7)")
    # A GSM extension character such as "{" takes two of an SMS's 160 places.
    box.fill("a" * 159 + "{")
    expect(counter).to_have_text("160 / 1600 characters · 2 SMS (GSM-7)")
    # One emoji and the whole message is UCS-2 (70 per SMS).
    box.fill("Thanks \U0001f642")
    expect(counter).to_have_text("8 / 1600 characters · 1 SMS (UCS-2)")
    box.fill("é" * 70 + "ł")
    expect(counter).to_contain_text("2 SMS (UCS-2)")

    box.fill("x" * 1605)
    expect(counter).to_contain_text("5 characters over the limit")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(send).to_be_disabled()
    box.press("Control+Enter")  # refused in the browser too
    box.fill("x" * 1600)
    expect(send).to_be_enabled()
    expect(box).not_to_have_attribute("aria-invalid", "true")
    box.fill("")
    expect(counter).to_have_text("0 / 1600 characters")
    expect(page.locator("#message-list li.message-out")).to_have_count(0)


def test_enter_adds_a_line_and_ctrl_enter_sends_without_a_reload(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    # The desktop shows the list beside the thread, so no back link.
    expect(page.get_by_role("link", name="All conversations")).to_be_hidden()
    page.evaluate("window.stillTheSamePage = true")
    box = page.get_by_label("Message to Jane Doe")
    error = page.locator("#composer-error")

    # Nothing written: the server's refusal shows above the box.
    page.get_by_role("button", name="Send", exact=True).click()
    expect(error).to_have_text("Write a message or attach a file.")

    box.click()
    box.press_sequentially("See you at 3pm.")
    box.press("Enter")
    box.press_sequentially("Bring the lease.")
    expect(box).to_have_value("See you at 3pm.\nBring the lease.")
    expect(page.locator("#message-list li.message-out")).to_have_count(0)

    box.press("Control+Enter")
    sent = page.locator("#message-list li.message-out", has_text="See you at 3pm.")
    expect(sent).to_be_visible()
    expect(sent.locator(".message-body")).to_contain_text("Bring the lease.")
    expect(sent.locator(".message-status")).to_have_text(
        re.compile(r"^(Queued|Sending|Sent|Delivered)$")
    )
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(page.locator("[data-composer-counter]")).to_have_text("0 / 1600 characters")
    expect(error).to_be_hidden()
    expect(page.locator("#message-list li.message")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_template_and_the_conversation_link_go_in_at_the_caret(
    page: Page, live_server: Any, firm: Organization, owner: User, thread: Thread
) -> None:
    actions.create_template(
        organization=firm,
        name="Office hours",
        body="We are open 9 to 5, Monday to Friday.",
        created_by=owner,
    )
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")
    box.fill("Hello! ")

    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert message template").click()
    picker = page.get_by_role("dialog", name="Insert message template")
    expect(picker).to_be_visible()
    picker.get_by_role("button", name=re.compile("Office hours")).click()
    expect(picker).to_be_hidden()
    expect(box).to_have_value("Hello! We are open 9 to 5, Monday to Friday.")
    expect(box).to_be_focused()
    expect(page.locator("[data-composer-counter]")).to_have_text(
        "44 / 1600 characters · 1 SMS (GSM-7)"
    )

    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert link to conversation").click()
    # A space after the link keeps whatever is typed next from being glued onto it.
    expect(box).to_have_value(
        re.compile(r"^Hello! We are open 9 to 5, Monday to Friday\. https?://\S+/p/\S+ $")
    )
    expect(page.get_by_role("button", name="Insert link to conversation")).to_be_hidden()


FILE_TOO_LARGE = (
    "It seems your file might be too big to send via text. To make sure we successfully receive "
    "and store your file in your case documents, please upload it directly in your Client "
    "Portal:\n1. Click on the link above to open this same messaging thread in your Client "
    "Portal.\n2. Select the (+) button next to the messaging box, attach your file, and send "
    "it.\n3. Send another message so we can verify successful delivery of your file."
)


def test_the_file_too_large_steps_send_a_link_the_client_can_open(
    page: Page,
    browser: Browser,
    live_server: Any,
    settings: Any,
    firm: Organization,
    owner: User,
    thread: Thread,
) -> None:
    """The help article's steps: Insert link to conversation, then the "file too large" template,
    then Send. The link stays a link of its own and opens the client's thread in the portal."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    actions.create_template(
        organization=firm, name="File too large for text", body=FILE_TOO_LARGE, created_by=owner
    )
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")

    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert link to conversation").click()
    expect(box).to_have_value(re.compile(r"/p/\S+ $"))
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert message template").click()
    page.get_by_role("dialog", name="Insert message template").get_by_role(
        "button", name=re.compile("File too large for text")
    ).click()
    # The link on its line, the template under it ("the link above").
    expect(box).to_have_value(re.compile(r"^http://\S+/p/[^/\s]+/\nIt seems your file"))
    box.press("Control+Enter")
    sent = page.locator("#message-list li.message-out", has_text="It seems your file")
    expect(sent).to_be_visible()
    # In the thread, staff see the link as a link.
    staff_link = sent.locator(".message-body a")
    expect(staff_link).to_have_count(1)
    expect(staff_link).to_have_attribute("href", re.compile(r"/p/[^/\s]+/$"))
    expect(staff_link).to_have_attribute("target", "_blank")  # the workspace stays open

    [sms] = MemoryBackend.outbox
    assert sms.to == thread.contact.phone
    link, rest = sms.body.split("\n", 1)
    assert re.fullmatch(r"http://\S+/p/[^/\s]+/", link), sms.body
    assert rest == FILE_TOO_LARGE

    client = browser.new_context(viewport={"width": 390, "height": 844})
    phone = client.new_page()
    phone.goto(link)
    expect(phone).to_have_url(f"{live_server.url}/portal/")
    expect(phone.get_by_text("Conversation with Jane Doe")).to_be_visible()
    expect(phone.locator("#message-list li", has_text="It seems your file")).to_be_visible()
    client.close()


def test_a_template_after_text_is_kept_apart_and_goes_in_at_the_caret(
    page: Page, live_server: Any, firm: Organization, owner: User, thread: Thread
) -> None:
    actions.create_template(
        organization=firm, name="Office hours", body="We are open 9 to 5.", created_by=owner
    )
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")
    box.fill("Hi Jane,thanks!")
    box.evaluate("b => b.setSelectionRange(8, 8)")  # between "Jane," and "thanks!"
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert message template").click()
    page.get_by_role("dialog", name="Insert message template").get_by_role(
        "button", name=re.compile("Office hours")
    ).click()
    expect(box).to_have_value("Hi Jane, We are open 9 to 5. thanks!")

    box.evaluate("b => b.setSelectionRange(2, 2)")  # right after "Hi"
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("button", name="Insert link to conversation").click()
    expect(box).to_have_value(re.compile(r"^Hi https?://\S+/p/[^/\s]+/ Jane, We are open"))


def test_a_new_template_made_from_the_composer_goes_into_the_kept_draft(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")
    box.fill("Hi Jane,\n\nBest, Sam")
    box.evaluate("b => b.setSelectionRange(9, 9)")  # the empty line between greeting and name

    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("link", name="New message template").click()
    expect(page.get_by_role("heading", name="New message template")).to_be_visible()
    page.get_by_label("Name").fill("Office hours")
    page.get_by_label("Body").fill("We are open 9 to 5.")
    page.get_by_role("button", name="Save template").click()

    expect(page).to_have_url(f"{live_server.url}/conversations/{thread.pk}/")
    expect(page.get_by_text("Template “Office hours” saved.")).to_be_visible()
    expect(box).to_have_value("Hi Jane,\nWe are open 9 to 5.\nBest, Sam")
    expect(box).to_be_focused()
    # Reloading shows the same draft, with the template in it once.
    page.reload()
    expect(box).to_have_value("Hi Jane,\nWe are open 9 to 5.\nBest, Sam")

    # Cancel on the template form comes back to the draft as it was.
    page.get_by_label("Add a file, template or link").click()
    page.get_by_role("link", name="New message template").click()
    page.get_by_role("link", name="Cancel").click()
    expect(box).to_have_value("Hi Jane,\nWe are open 9 to 5.\nBest, Sam")

    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list li.message-out", has_text="open 9 to 5")).to_be_visible()
    expect(box).to_have_value("")
    page.reload()
    expect(box).to_have_value("")  # a sent message is no longer a draft


def test_sending_from_an_archived_thread_brings_it_back_in_the_header_at_once(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    actions.set_thread_archived(thread=thread, user=owner, archived=True)
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    header = page.locator("#thread-header")
    expect(header.get_by_text("Archived", exact=True)).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Message to Jane Doe").fill("Following up on your claim.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list li.message-out", has_text="Following up")).to_be_visible()
    expect(header.get_by_text("Archived", exact=True)).to_have_count(0)
    expect(header.get_by_text(re.compile("^Archived by"))).to_have_count(0)
    page.get_by_label("Thread actions").click()
    expect(page.get_by_role("button", name="Archive", exact=True)).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_chosen_file_is_listed_and_sent_as_an_attachment(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    files = page.locator("[data-composer-files]")
    listed = page.locator("[data-composer-file-list]")
    chosen: list[FilePayload] = [
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 lease"},
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not this one"},
    ]
    files.set_input_files(chosen)
    expect(listed.locator("li")).to_have_count(2)
    expect(listed).to_contain_text("lease.pdf")
    listed.get_by_role("button", name="Remove notes.txt").click()
    expect(listed.locator("li")).to_have_count(1)
    assert files.evaluate("input => Array.from(input.files, f => f.name)") == ["lease.pdf"]

    page.get_by_label("Message to Jane Doe").fill("The lease, signed.")
    page.get_by_role("button", name="Send", exact=True).click()
    sent = page.locator("#message-list li.message-out", has_text="The lease, signed.")
    expect(sent.locator("a.attachment-file")).to_contain_text("lease.pdf")
    expect(sent).not_to_contain_text("notes.txt")
    expect(listed.locator("li")).to_have_count(0)
    expect(page.locator("[data-composer-progress]")).to_be_hidden()
    assert files.evaluate("input => input.files.length") == 0


def test_a_client_message_appears_live_and_the_badge_stays_right(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    summary = page.locator("[data-unread-summary]")
    expect(summary).to_have_attribute("aria-label", "Messages: no unread conversations")

    receive(thread, "Running ten minutes late, sorry!")
    arrived = page.locator("#message-list li.message-in", has_text="Running ten minutes late")
    expect(arrived).to_be_visible(timeout=WAIT)
    expect(arrived).to_have_count(1)
    # Read while open: the badge does not count it.
    expect(summary).to_have_attribute("aria-label", "Messages: no unread conversations")
    expect(page.locator("#unread-count .pill")).to_have_count(0)
    assert not page.title().startswith("(")


def test_the_badge_counts_a_message_in_another_conversation(
    page: Page, live_server: Any, owner: User, thread: Thread, make_contact: Any, firm: Organization
) -> None:
    other = make_contact(firm, "Sam Lee").thread
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    receive(other, "Quick question about my case")
    receive(thread, "And one here")
    # The message in the open thread arrives and refreshes the badge, which counts the other one.
    expect(page.locator("#message-list li.message-in", has_text="And one here")).to_be_visible(
        timeout=WAIT
    )
    summary = page.locator("[data-unread-summary]")
    expect(summary).to_have_attribute("aria-label", "Messages: 1 unread conversation")
    expect(page.locator("#unread-count .pill")).to_have_text("1")
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    summary.click()
    expect(page.locator("#unread-list")).to_contain_text("Sam Lee")


def test_flagging_from_the_thread_menu(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    header = page.locator("#thread-header")
    row = page.locator(".conversation-row", has_text="Jane Doe")
    expect(row.locator(".flag-icon")).to_have_count(0)

    page.get_by_label("Thread actions").click()
    page.get_by_role("button", name="Flag for team review").click()
    expect(header.get_by_text("Flagged", exact=True)).to_be_visible()
    expect(page.get_by_label("Thread actions")).to_be_focused()
    # The new header's menu works like the first one: Escape closes it.
    page.get_by_label("Thread actions").click()
    expect(page.get_by_role("button", name="Unflag")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Unflag")).to_be_hidden()

    page.reload()
    expect(row.locator(".flag-icon")).to_be_visible()
    expect(header.get_by_text("Flagged", exact=True)).to_be_visible()


def test_on_a_phone_the_thread_stands_alone_with_a_back_link(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    receive(
        thread,
        "The portal said https://claims.example.com/status/check?reference="
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz and nothing else.",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    back = page.get_by_role("link", name="All conversations")
    expect(back).to_be_visible()
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_hidden()
    send = page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_in_viewport()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    bubble = page.locator("li.message-in .message-bubble").last
    assert bubble.evaluate("b => b.scrollWidth <= b.clientWidth")

    back.click()
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Jane Doe"))).to_be_visible()


def test_a_day_at_the_desk_search_open_read_send_archive(
    page: Page,
    live_server: Any,
    owner: User,
    colleague: User,
    thread: Thread,
    make_contact: Any,
    firm: Organization,
) -> None:
    """Find a client by search, open the thread (the dot clears for me, not my colleague), answer,
    then archive it: it leaves All and waits under Archived."""
    from notifications.queries import unread_thread_count

    make_contact(firm, "Richard Roe", phone="(212) 555-0199")
    receive(thread, "Did you get my documents?")
    sign_in(page, live_server, "owner")
    row = page.locator(".conversation-row", has_text="Jane Doe")
    expect(row.locator(".dot-unread")).to_be_visible()

    search = page.get_by_label("Search by contact")
    search.fill("415 555 01")
    search.press("Enter")  # searches whether or not the as-you-type script has loaded yet
    expect(page.locator(".conversation-row")).to_have_count(1)
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("Jane Doe"), level=2)).to_be_visible()
    expect(page.locator(".conversation-row.is-active .dot-unread")).to_have_count(0)
    assert unread_thread_count(owner) == 0
    assert unread_thread_count(colleague) == 1  # opening it cleared it for me only

    page.get_by_label("Message to Jane Doe").fill("Yes, all three pages arrived.")
    page.get_by_role("button", name="Send").click()
    sent = page.locator("#message-list li.message-out", has_text="all three pages arrived")
    expect(sent).to_be_visible()
    expect(sent.locator(".message-status")).to_have_text(re.compile("Queued|Sending|Sent"))

    page.get_by_label("Thread actions").click()
    page.get_by_role("button", name="Archive").click()
    expect(page.locator("#thread-header").get_by_text("Archived", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/conversations/")
    expect(page.locator(".conversation-row", has_text="Jane Doe")).to_have_count(0)
    page.get_by_role("radio", name="Archived").check()
    expect(page.locator(".conversation-row", has_text="Jane Doe")).to_be_visible()
