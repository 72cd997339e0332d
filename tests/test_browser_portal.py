"""In Chromium on a phone-sized screen: a client opens their link, reads, replies and uploads a
10 MB PDF; the staff member sees both arrive."""

from __future__ import annotations

import datetime
import re
import time
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, FilePayload, Page, Route, expect

from hona.models import User
from messaging import actions, uploads
from messaging.models import Attachment, Message, Thread
from messaging.portal import portal_url
from messaging.sms import MemoryBackend
from tests.conftest import PASSWORD
from tests.messaging import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEN_MB_PDF = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)


def test_a_client_replies_and_uploads_a_large_pdf_and_staff_see_both(
    page: Page, browser: Browser, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    actions.record_message(
        thread=thread,
        direction="out",
        body="Please send us the signed lease.",
        channel="sms",
        status="delivered",
        sender=owner,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(portal_url(thread.contact))
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_text("Demo Law").first).to_be_visible()
    expect(page.get_by_text("Please send us the signed lease.")).to_be_visible()
    expect(page.get_by_text("Owner")).to_have_count(0)  # staff names stay internal

    page.get_by_label("Message to Demo Law").fill("Here it is, signed.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list li", has_text="Here it is, signed.")).to_be_visible()

    page.locator("#portal-files").set_input_files(
        [FilePayload(name="signed-lease.pdf", mimeType="application/pdf", buffer=TEN_MB_PDF)]
    )
    expect(page.get_by_text("signed-lease.pdf").first).to_be_visible()
    page.get_by_role("button", name="Send").click()
    # As stored: with an id and a link to the file (not only as on its way).
    expect(
        page.locator("#message-list li[id] a .attachment-name", has_text="signed-lease.pdf")
    ).to_be_visible(timeout=20_000)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

    stored = Attachment.objects.get(filename="signed-lease.pdf")
    assert stored.size == len(TEN_MB_PDF) and stored.source == "portal"

    staff = browser.new_page()
    staff.goto(f"{live_server.url}/")
    staff.get_by_label("Username or email").fill("owner")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.locator(".conversation-row.is-unread", has_text="Jane Doe")).to_be_visible()
    staff.goto(f"{live_server.url}/conversations/{thread.pk}/")
    expect(staff.get_by_text("Here it is, signed.")).to_be_visible()
    expect(staff.locator(".attachment-name", has_text="signed-lease.pdf")).to_be_visible()
    expect(staff.get_by_text(re.compile("Client portal")).first).to_be_visible()
    staff.close()


def test_a_client_is_told_which_files_to_send_later_and_staff_see_only_a_preview(
    page: Page, browser: Browser, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(portal_url(thread.contact))
    page.locator("#portal-files").set_input_files(
        [
            FilePayload(name=f"scan-{n}.png", mimeType="image/png", buffer=samples.PNG)
            for n in range(1, 12)
        ]
    )
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-error")).to_have_text(
        "One message can carry at most 10 files and you chose 11. "
        "Send scan-11.png in another message."
    )
    assert not Message.objects.exists()

    # A staff member's own browser, already signed in, opens the same link.
    signed_in = Client()
    signed_in.force_login(owner)
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    staff = context.new_page()
    staff.goto(portal_url(thread.contact))
    expect(staff.get_by_text("Preview: this is what Jane Doe sees.")).to_be_visible()
    expect(staff.locator("#portal-composer")).to_have_count(0)
    staff.get_by_role("link", name="Back to the conversation").click()
    expect(staff).to_have_url(f"{live_server.url}/conversations/{thread.pk}/")
    context.close()


def test_a_client_with_an_expired_link_gets_a_new_one_by_text_and_it_opens_the_thread(
    page: Page, live_server: Any, thread: Thread, settings: Any
) -> None:
    """Chromium sends a real Origin with the "Send me a new link" form, so CSRF lets it through
    (with `Referrer-Policy: no-referrer` it sent `Origin: null` and got a 403)."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    long_ago = time.time() - (settings.PORTAL_LINK_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        expired = portal_url(thread.contact)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(expired)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.locator(".portal-firm")).to_have_text("Demo Law")  # whose link it was
    page.get_by_role("button", name="Send me a new link").click()
    expect(
        page.get_by_text("We are texting a new link to your phone number on file.")
    ).to_be_visible()

    [sms] = MemoryBackend.outbox
    assert sms.to == thread.contact.phone
    fresh = re.search(r"http://\S+/p/[^/\s]+/", sms.body)
    assert fresh is not None and fresh.group(0) != expired
    page.goto(fresh.group(0))
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_text("Conversation with Jane Doe")).to_be_visible()
    # The new link is part of the record: the client sees it in their thread, from the firm.
    expect(page.locator("#message-list li", has_text="here is your new link")).to_be_visible()


@pytest.fixture(params=[(1366, 800), (390, 844)], ids=["desktop", "phone"])
def screen(request: pytest.FixtureRequest, page: Page) -> dict[str, int]:
    """The page at a desktop's size, then at a phone's."""
    width, height = request.param
    page.set_viewport_size({"width": width, "height": height})
    return {"width": width, "height": height}


def _long_conversation(thread: Thread, owner: User, count: int = 60) -> None:
    start = timezone.now() - datetime.timedelta(days=3)
    for n in range(count):
        actions.record_message(
            thread=thread,
            direction="out" if n % 2 else "in",
            body=f"Message number {n} about the case.",
            channel="sms",
            status="delivered" if n % 2 else "received",
            sender=owner if n % 2 else None,
            created_at=start + datetime.timedelta(minutes=30 * n),
        )


def _scrolled_to_bottom(page: Page) -> bool:
    return bool(
        page.evaluate(
            "(() => { const s = document.querySelector('.message-scroll');"
            " return s.scrollHeight > s.clientHeight + 100"
            " && s.scrollHeight - s.scrollTop - s.clientHeight < 4; })()"
        )
    )


def test_the_portal_opens_at_the_newest_message(
    page: Page,
    live_server: Any,
    owner: User,
    thread: Thread,
    settings: Any,
    screen: dict[str, int],
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    _long_conversation(thread, owner)
    page.goto(portal_url(thread.contact))
    expect(page.get_by_text("Message number 59 about the case.")).to_be_in_viewport()
    expect(page.get_by_text("Message number 20 about the case.")).not_to_be_in_viewport()
    assert _scrolled_to_bottom(page)
    # The page itself does not scroll: the messages scroll in their own box above the composer.
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")


def test_a_reply_shows_sending_then_sent_and_stays_in_view(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    _long_conversation(thread, owner)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(portal_url(thread.contact))
    held: list[Route] = []
    page.route("**/portal/send/", lambda route: held.append(route))
    page.get_by_label("Message to Demo Law").fill("Is the hearing still on Friday?")
    page.get_by_role("button", name="Send").click()
    reply = page.locator("#message-list li", has_text="Is the hearing still on Friday?")
    expect(reply).to_be_in_viewport()
    expect(reply).to_contain_text("Sending…")
    expect(page.get_by_label("Message to Demo Law")).to_have_value("")
    page.wait_for_timeout(200)
    assert held, "the reply went to the server"
    held[0].continue_()
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Sent")
    expect(reply).not_to_contain_text("Sending…")
    expect(reply).to_be_in_viewport()
    assert _scrolled_to_bottom(page)
    # After a reload the state comes from what is stored.
    page.reload()
    expect(reply).to_contain_text("Sent")
    assert Message.objects.filter(body="Is the hearing still on Friday?").count() == 1


def test_a_reply_that_failed_shows_retry_and_retrying_sends_it_once(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    _long_conversation(thread, owner, count=4)
    page.goto(portal_url(thread.contact))
    page.route("**/portal/send/", lambda route: route.abort("internetdisconnected"))
    page.locator("#portal-files").set_input_files(
        [FilePayload(name="lease.pdf", mimeType="application/pdf", buffer=samples.PDF)]
    )
    page.get_by_label("Message to Demo Law").fill("The signed lease.")
    page.get_by_role("button", name="Send").click()
    reply = page.locator("#message-list li", has_text="The signed lease.")
    expect(reply).to_contain_text("Failed")
    expect(reply).to_contain_text("lease.pdf")
    retry = reply.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    assert not Message.objects.filter(body="The signed lease.").exists()

    page.unroute("**/portal/send/")
    # The client has started another message meanwhile: Retry leaves it alone.
    page.get_by_label("Message to Demo Law").fill("And one more thing")
    retry.click()
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Sent")
    expect(reply).not_to_contain_text("Failed")
    expect(reply.locator(".attachment-name", has_text="lease.pdf")).to_be_visible()
    expect(page.get_by_label("Message to Demo Law")).to_have_value("And one more thing")
    [stored] = Message.objects.filter(body="The signed lease.")
    assert [a.filename for a in stored.attachments.all()] == ["lease.pdf"]


def test_a_reply_stored_whose_answer_was_lost_is_not_stored_twice_on_retry(
    page: Page, live_server: Any, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    # No live updates here: the stored reply must not arrive by push before the retry does (when
    # it does, it takes the failed bubble's place: static/js/portal.js, honaSettle).
    page.route("**/live/portal/", lambda route: route.abort())
    page.goto(portal_url(thread.contact))

    def lose_the_answer(route: Route) -> None:
        route.fetch()  # the server stores the reply ...
        route.abort("connectionreset")  # ... and the phone never hears back

    page.route("**/portal/send/", lose_the_answer)
    page.get_by_label("Message to Demo Law").fill("Did this arrive?")
    page.get_by_role("button", name="Send").click()
    reply = page.locator("#message-list li", has_text="Did this arrive?")
    expect(reply.get_by_role("button", name="Retry")).to_be_visible()
    page.unroute("**/portal/send/")
    reply.get_by_role("button", name="Retry").click()
    expect(reply).to_contain_text("Sent")
    expect(reply).to_have_count(1)
    assert Message.objects.filter(body="Did this arrive?").count() == 1


def test_the_plus_button_beside_the_message_box_attaches_a_file_that_can_be_removed(
    page: Page, live_server: Any, thread: Thread, settings: Any, screen: dict[str, int]
) -> None:
    """The help article and the firm's template tell clients: "Select the (+) button next to
    the messaging box, attach your file, and send it.\""""
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(portal_url(thread.contact))
    # Playwright catches file choosers only once it listens for them: listen from the start,
    # or a chooser opened in the same instant as the listener can slip past it.
    page.on("filechooser", lambda chooser: None)
    plus = page.get_by_role("button", name="Attach a file")
    expect(plus).to_be_visible()
    expect(plus.locator("svg.icon-plus")).to_be_visible()
    box = plus.bounding_box()
    assert box is not None and box["width"] >= 40 and box["height"] >= 40  # a finger's size

    # By keyboard: the (+) takes focus and opens the chooser with Enter.
    plus.focus()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(
        [FilePayload(name="signed-lease.pdf", mimeType="application/pdf", buffer=samples.PDF)]
    )
    chosen = page.locator(".composer-file", has_text="signed-lease.pdf")
    expect(chosen).to_be_visible()
    chosen.get_by_role("button", name="Remove signed-lease.pdf").click()
    expect(chosen).to_have_count(0)
    assert page.evaluate("document.getElementById('portal-files').files.length") == 0

    # By a tap.
    with page.expect_file_chooser() as chooser:
        plus.click()
    chooser.value.set_files(
        [FilePayload(name="photo.png", mimeType="image/png", buffer=samples.PNG)]
    )
    expect(page.locator(".composer-file", has_text="photo.png")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(
        page.locator("#message-list li[id] .attachment-name", has_text="photo.png")
    ).to_be_visible()


def _share_of_screen(page: Page) -> float:
    """How much of the screen's height shows messages: the scroll box, as far as it is on the
    screen and not under the message box."""
    return float(
        page.evaluate(
            """(() => {
              const box = document.querySelector('.message-scroll').getBoundingClientRect();
              const composer = document.querySelector('#portal-composer').getBoundingClientRect();
              const bottom = Math.min(box.bottom, composer.top, window.innerHeight);
              return (bottom - Math.max(box.top, 0)) / window.innerHeight;
            })()"""
        )
    )


def test_on_a_phone_the_messages_get_most_of_the_screen(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    _long_conversation(thread, owner, count=20)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(portal_url(thread.contact))
    assert _share_of_screen(page) >= 0.6
    # Still while writing two lines with a file chosen.
    page.get_by_label("Message to Demo Law").fill(
        "Here is the lease.\n" + "And the photo of page 2, which was hard to read.\n" * 8
    )
    page.locator("#portal-files").set_input_files(
        [FilePayload(name="lease-page-2.png", mimeType="image/png", buffer=samples.PNG)]
    )
    expect(page.locator(".composer-file", has_text="lease-page-2.png")).to_be_visible()
    assert _share_of_screen(page) >= 0.6
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A portal message is not a text: the counter says characters, not SMS segments.
    expect(page.locator("#portal-counter")).to_have_text("411 / 1600 characters")


def test_a_reply_is_sent_by_keyboard_alone(
    page: Page, live_server: Any, owner: User, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    _long_conversation(thread, owner, count=3)
    page.goto(portal_url(thread.contact))
    box = page.get_by_label("Message to Demo Law")
    for _ in range(6):
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Enter")
    reply = page.locator("#message-list li[id]", has_text="Typed without a mouse.")
    expect(reply).to_contain_text("Sent")
    expect(box).to_have_value("")
    # Ctrl+Enter sends from the message box too.
    box.focus()
    page.keyboard.type("And a second one.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#message-list li[id]", has_text="And a second one.")).to_be_visible()


def test_portal_pages_have_no_console_errors_or_failed_requests(
    page: Page,
    live_server: Any,
    owner: User,
    thread: Thread,
    settings: Any,
    screen: dict[str, int],
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SMS_BACKEND = "memory"
    problems: list[str] = []
    # The "link ended" pages answer 403 on purpose: the only 4xx expected here.
    intended = {f"{live_server.url}/portal/", f"{live_server.url}/p/"}
    downloads: list[str] = []

    def is_intended(url: str) -> bool:
        return any(url.startswith(u) for u in intended)

    def logged(message: Any) -> None:
        if message.type != "error":
            return
        if message.text.endswith("status of 403 (Forbidden)") and is_intended(
            message.location.get("url", "")
        ):
            return  # Chromium's own line for the 403 page above
        problems.append(f"console: {message.text} ({message.location.get('url')})")

    failures: list[tuple[str, str, str]] = []

    def failed(request: Any) -> None:
        failures.append((request.method, request.url, request.failure or ""))

    def answered(response: Any) -> None:
        if response.status < 400:
            return
        page_load = response.request.resource_type == "document"
        if response.status == 403 and page_load and is_intended(response.url):
            return
        problems.append(f"{response.status}: {response.request.method} {response.url}")

    page.on("console", logged)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("download", lambda download: downloads.append(download.url))
    page.on("requestfailed", failed)

    page.on("response", answered)
    actions.record_message(
        thread=thread,
        direction="out",
        body="The retainer, to sign.",
        channel="sms",
        status="delivered",
        sender=owner,
        files=[uploads.NewFile("retainer.pdf", samples.PDF)],
    )
    long_ago = time.time() - (settings.PORTAL_LINK_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        expired = portal_url(thread.contact)

    # The ended page: no portal session in this browser yet.
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Please open your link again")).to_be_visible()
    # An expired link, and asking for a new one.
    page.goto(expired)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_text("We are texting a new link")).to_be_visible()
    # The thread: read, send a reply with a file, wait for a live update, open the file.
    page.goto(portal_url(thread.contact))
    expect(page.get_by_text("The retainer, to sign.")).to_be_visible()
    page.locator("#portal-files").set_input_files(
        [FilePayload(name="signed.pdf", mimeType="application/pdf", buffer=samples.PDF)]
    )
    page.get_by_label("Message to Demo Law").fill("Signed and attached.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list li[id]", has_text="Signed and attached.")).to_contain_text(
        "Sent"
    )
    with page.expect_download():
        page.locator(".attachment-file", has_text="retainer.pdf").click()
    # The firm answers: the portal's stream says so and the page fetches the reply.
    with page.expect_response(lambda r: "/portal/updates/" in r.url):
        actions.send_message(thread=thread, sender=owner, body="Thank you, received.")
    expect(page.get_by_text("Thank you, received.")).to_be_visible()
    # A link to a file becomes a download: Chromium stops it as a page load, on purpose. And
    # Chromium's own fetch of the tab's icon is cancelled when the next page replaces this one.
    problems += [
        f"failed: {method} {url} {why}"
        for method, url, why in failures
        if not (
            why == "net::ERR_ABORTED" and (url in downloads or url.endswith("/img/favicon.svg"))
        )
    ]
    assert problems == []


def test_a_reply_after_the_page_ended_says_to_open_the_latest_link_instead_of_retry(
    page: Page, live_server: Any, thread: Thread, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    page.goto(portal_url(thread.contact))
    page.context.clear_cookies()  # the session is gone, as when its link is revoked
    page.get_by_label("Message to Demo Law").fill("Still there?")
    page.get_by_role("button", name="Send").click()
    reply = page.locator("#message-list li", has_text="Still there?")
    expect(reply).to_contain_text("Failed")
    expect(reply).to_contain_text("This page has ended. Open the link in your latest text")
    expect(reply.get_by_role("button", name="Retry")).to_have_count(0)
