"""In Chromium, the record and its rules (issue 14): an internal note with an @mention from the
composer's "Internal note" tab (amber, never sent); consent recorded from the thread menu; the
client's quiet hours asking in the composer and a message scheduled for their morning; and the
thread menu's evidence export, which verifies."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from hona.models import Organization, User
from messaging import actions
from messaging.models import Message, Thread
from messaging.sms import MemoryBackend
from notifications.models import Notification
from tests.conftest import receive
from tests.test_browser_tour import AXE, FADING, RUN_AXE
from tests.test_browser_workspace import open_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_serious_axe_violations(page: Page) -> None:
    # A bubble that just arrived fades in: judge its colours once it has.
    page.evaluate(f"() => Promise.all({FADING}.map((a) => a.finished))")
    page.evaluate(AXE + "\n;true")
    assert page.evaluate(RUN_AXE) == []


@pytest.mark.parametrize("width", [1366, 390])
def test_a_note_with_a_mention_is_written_from_the_composer_and_never_sent(
    page: Page,
    live_server: Any,
    settings: Any,
    firm: Organization,
    owner: User,
    make_user: Any,
    thread: Thread,
    width: int,
) -> None:
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    dana = make_user(firm, "dana", first_name="Dana", last_name="Reyes")
    receive(thread, "Is the hearing still on Friday?")
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 800})
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)

    page.locator("label.composer-mode-option", has_text="Internal note").click()
    box = page.get_by_label("Internal note about Jane Doe, for your team")
    expect(box).to_have_attribute(
        "placeholder", "Write a note for your team. @name mentions a colleague."
    )
    expect(page.get_by_text("Only your team sees notes.")).to_be_visible()
    add = page.get_by_role("button", name="Add note")
    expect(add).to_be_visible()
    chip = page.get_by_role("button", name="@Dana (Dana)")
    expect(chip).to_be_visible()
    box.fill("Hearing moved to Monday; ")
    chip.click()
    expect(box).to_have_value("Hearing moved to Monday; @Dana ")
    box.press("End")
    box.type("please call her.")
    no_serious_axe_violations(page)
    add.click()

    note = page.locator("#message-list li.message-int")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Internal note · only your team sees this")
    expect(note).to_contain_text("Not sent to the client")
    expect(note.locator(".mention")).to_have_text("@Dana")
    expect(box).to_have_value("")
    background = note.locator(".note-bubble").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 250, 235)"  # amber, never a message's blue
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/note-{width}.png")

    assert MemoryBackend.outbox == []
    stored = Message.objects.get(direction="int")
    assert stored.body == "Hearing moved to Monday; @Dana please call her."
    assert Notification.objects.get(user=dana).message_id == stored.pk

    # Back to a message: the tab, the label and the button say so again.
    page.locator("label.composer-mode-option", has_text="Message").click()
    expect(page.get_by_role("radio", name="Message", exact=True)).to_be_checked()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    expect(page.get_by_label("Message to Jane Doe")).to_be_visible()


def test_a_mention_notification_opens_the_thread_at_its_note_however_far_back(
    page: Page, live_server: Any, firm: Organization, owner: User, make_user: Any, thread: Thread
) -> None:
    dana = make_user(firm, "dana", first_name="Dana", last_name="Reyes")
    note = actions.write_note(thread=thread, author=owner, body="@dana call about the old offer")
    for n in range(60):
        receive(thread, f"Later message {n}")
    notice = Notification.objects.get(user=dana)
    sign_in(page, live_server, "dana")
    page.goto(live_server.url + notice.get_absolute_url())
    linked = page.locator(f"#message-{note.pk}")
    expect(linked).to_have_class(re.compile(r"\bmessage-linked\b"))
    expect(linked).to_be_in_viewport()
    expect(page.locator("#message-list li.message", has_text="Later message 59")).to_have_count(1)


@pytest.mark.parametrize("width", [1366, 390])
def test_consent_is_shown_and_recorded_from_the_thread_menu(
    page: Page, live_server: Any, firm: Organization, owner: User, thread: Thread, width: int
) -> None:
    firm.require_sms_consent = True
    firm.save(update_fields=["require_sms_consent"])
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 800})
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    if width < 600:
        page.get_by_text("Details", exact=True).click()
    route = page.locator(".thread-route")
    expect(route).to_contain_text("Email until they agree to texts — jane@example.com")
    expect(page.locator(".thread-consent")).to_contain_text("Consent to texts not recorded")

    page.get_by_label("Thread actions").click()
    page.get_by_role("button", name="Record consent to texts…").click()
    dialog = page.get_by_role("dialog", name="Record consent to texts")
    expect(dialog).to_be_visible()
    dialog.get_by_label("How did they agree?").fill("Agreed on the phone at intake")
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/consent-dialog-{width}.png")
    dialog.get_by_role("button", name="Record consent").click()

    if width < 600:
        page.get_by_text("Details", exact=True).click()
    expect(page.locator(".thread-consent")).to_contain_text(
        "Agreed to texts · Recorded by staff on"
    )
    expect(route).to_contain_text("By SMS to (415) 555-0134")
    expect(page.locator(".header-notice")).to_contain_text(
        "Consent recorded: Jane Doe agreed to texts."
    )
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/consent-{width}.png")


@pytest.mark.parametrize("width", [1366, 390])
def test_quiet_hours_ask_in_the_composer_and_schedule_for_the_morning(
    page: Page, live_server: Any, firm: Organization, owner: User, thread: Thread, width: int
) -> None:
    from messaging.models import ScheduledMessage
    from tests.messaging.test_quiet_hours import quiet_now

    quiet_now(firm)
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 800})
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    box = page.get_by_label("Message to Jane Doe")
    box.fill("Your hearing moved to Monday.")
    page.locator("[data-composer-files]").set_input_files(
        [FilePayload(name="notice.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 notice")]
    )
    page.get_by_role("button", name="Send", exact=True).click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("for Jane. Send now or schedule for")
    expect(box).to_have_value("Your hearing moved to Monday.")  # nothing lost, nothing sent
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/quiet-{width}.png")
    question.get_by_role("button", name="Schedule for").click()

    scheduled = page.locator("#scheduled-list")
    expect(scheduled).to_contain_text("Scheduled · not sent yet")
    expect(scheduled).to_contain_text("when Jane Doe\u2019s quiet hours end")
    expect(scheduled).to_contain_text("Your hearing moved to Monday.")
    expect(scheduled.get_by_role("link", name="notice.pdf")).to_be_visible()  # the file waits too
    expect(box).to_have_value("")
    expect(page.locator("[data-composer-file-list] li")).to_have_count(0)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/scheduled-{width}.png")
    assert ScheduledMessage.objects.get().reason == "quiet_hours"
    assert [f.filename for f in ScheduledMessage.objects.get().files.all()] == ["notice.pdf"]
    assert not Message.objects.exists()

    page.once("dialog", lambda dialog: dialog.accept())
    scheduled.get_by_role("button", name="Cancel message").click()
    expect(scheduled).to_be_hidden()
    assert ScheduledMessage.objects.get().status == "cancelled"


def test_the_thread_menu_downloads_an_export_that_verifies(
    page: Page, live_server: Any, owner: User, thread: Thread, tmp_path: Any
) -> None:
    import io

    from django.core.management import call_command

    receive(thread, "Please keep a record of this.")
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    page.get_by_label("Thread actions").click()
    page.get_by_role("button", name="Download evidence export (ZIP)").click()
    # Its own page: prepared by a task (at once here, where tasks run in-process), then ready.
    expect(page.get_by_role("heading", name="Evidence export", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Ready: 1 message")
    no_serious_axe_violations(page)
    if shots := os.environ.get("HONA_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/export-ready.png")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download ZIP").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"hona-export-thread-{thread.pk}-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    out = io.StringIO()
    call_command("verify_export", str(path), stdout=out)
    assert "intact" in out.getvalue()
