"""The client portal: a personal link opens one client's own thread, and nothing else."""

from __future__ import annotations

import datetime
import time
import types
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread
from messaging.portal import SESSION_KEY, portal_url
from notifications.queries import unread_thread_count

PDF = b"%PDF-1.4\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 200


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def portal(client: Client, contact: Contact) -> Client:
    """A browser that opened Jane Doe's personal link."""
    response = client.get(path_of(portal_url(contact)))
    assert response.status_code == 302 and response["Location"] == "/portal/"
    return client


def send(portal: Client, **data: Any) -> Any:
    return portal.post("/portal/send/", data, headers={"HX-Request": "true"})


def test_the_link_opens_the_clients_own_thread_without_anything_internal(
    portal: Client, contact: Contact, owner: User, firm: Organization
) -> None:
    sent = actions.record_message(
        thread=Thread.objects.get(contact=contact),
        direction="out",
        body="Your hearing is Tuesday.",
        channel="sms",
        status="failed",
        sender=owner,
    )
    Message.objects.filter(pk=sent.pk).update(error_reason="Carrier error 30007 internal detail")
    actions.set_thread_flag(thread=Thread.objects.get(contact=contact), user=owner, flagged=True)
    response = portal.get("/portal/")
    html = response.text
    assert response.status_code == 200
    assert "Your hearing is Tuesday." in html
    assert firm.name in html  # outbound comes from the firm's name
    for internal in ["Owner", "30007", "Flagged", "internal detail", "Conversations"]:
        assert internal not in html
    assert "no-store" in response["Cache-Control"]


def test_a_reply_arrives_in_the_staff_thread_as_a_portal_message_with_an_unread_dot(
    portal: Client, contact: Contact, owner: User, colleague: User
) -> None:
    response = send(portal, body="I will be there.")
    assert response.status_code == 200 and "I will be there." in response.text
    message = Message.objects.get()
    assert message.direction == "in" and message.channel == "portal"
    assert message.thread.contact == contact
    assert unread_thread_count(owner) == 1 and unread_thread_count(colleague) == 1


def test_a_reply_sent_again_with_its_key_is_stored_once(portal: Client) -> None:
    """The client's Retry after an answer lost on the way back sends the same key again."""
    key = "0123456789abcdef0123456789abcdef"
    first = send(portal, body="Did this arrive?", key=key)
    again = send(portal, body="Did this arrive?", key=key)
    assert first.status_code == again.status_code == 200
    assert Message.objects.count() == 1
    assert f'data-key="{key}"' in first.text
    other = send(portal, body="Did this arrive?", key="f" * 32)
    assert other.status_code == 200 and Message.objects.count() == 2


def test_times_are_in_the_firms_time_zone_with_the_zone_named(
    portal: Client, contact: Contact, owner: User, firm: Organization, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"  # the server's zone: not the firm's
    firm.timezone = "America/Los_Angeles"
    firm.save(update_fields=["timezone"])
    thread = Thread.objects.get(contact=contact)
    at = datetime.datetime(2026, 12, 1, 23, 4, tzinfo=datetime.UTC)
    actions.record_message(
        thread=thread,
        direction="out",
        body="Call us back.",
        channel="sms",
        status="sent",
        sender=owner,
        created_at=at,
    )
    page = portal.get("/portal/").text
    assert "Dec 1, 3:04 PM PST" in page and "6:04 PM" not in page
    # A reply's answer (the fragment the page adds) too.
    answer = send(portal, body="Will do.", since="2026-12-01T00:00:00+00:00").text
    assert "Dec 1, 3:04 PM PST" in answer
    # Staff previewing the client's page see what the client sees.
    portal.logout()
    portal.force_login(owner)
    assert "Dec 1, 3:04 PM PST" in portal.get(path_of(portal_url(contact))).text


def test_files_are_stored_with_the_thread_with_their_real_type(
    portal: Client, contact: Contact
) -> None:
    files = [
        SimpleUploadedFile("lease.pdf", PDF, "application/octet-stream"),
        SimpleUploadedFile("photo.png", PNG, "application/octet-stream"),
    ]
    assert send(portal, body="", attachments=files).status_code == 200
    message = Message.objects.get()
    kinds = sorted(message.attachments.values_list("filename", "content_type", "source"))
    assert kinds == [
        ("lease.pdf", "application/pdf", "portal"),
        ("photo.png", "image/png", "portal"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "contract.pdf",
            b"MZ\x90\x00 windows program" + b"\x00" * 50,
            "not a kind of file we accept",
        ),
        ("photo.pdf", PNG, "is a PNG image, but its name says .pdf"),
        ("notes.exe", b"plain text notes", "is a text file, but its name says .exe"),
    ],
)
def test_a_misnamed_or_unaccepted_file_is_refused_and_nothing_is_stored(
    portal: Client, name: str, content: bytes, words: str
) -> None:
    response = send(portal, body="see file", attachments=[SimpleUploadedFile(name, content)])
    assert response.status_code == 422
    assert words in response.text
    assert not Message.objects.exists()


def test_an_oversized_file_or_text_is_refused(portal: Client, settings: Any) -> None:
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", PDF)
    response = send(portal, attachments=[big])
    assert response.status_code == 422
    assert "big.pdf is larger than 1.0\xa0KB, the limit for one file." in response.text
    assert send(portal, body="x" * 1601).status_code == 422
    assert not Message.objects.exists()


def test_another_contacts_files_are_not_reachable(
    portal: Client, firm: Organization, make_contact: Any
) -> None:
    other = make_contact(firm, "Someone Else")
    theirs = actions.record_message(
        thread=Thread.objects.get(contact=other), direction="in", body="", channel="mms",
        status="received", files=[actions.NewFile("private.pdf", PDF, "application/pdf", "mms")],
    )  # fmt: skip
    attachment = theirs.attachments.get()
    assert portal.get(f"/portal/files/{attachment.pk}/").status_code == 404


def test_staff_opening_a_clients_link_see_a_read_only_preview_and_stay_signed_in(
    client: Client, contact: Contact, owner: User
) -> None:
    actions.receive_portal_message(contact=contact, body="Here is my lease.", files=[])
    client.force_login(owner)
    page = client.get(path_of(portal_url(contact)))
    assert page.status_code == 200
    assert "Preview: this is what Jane Doe sees." in page.text
    assert "You are signed in as staff, so you cannot reply here." in page.text
    assert "Here is my lease." in page.text
    assert 'id="portal-composer"' not in page.text and 'type="file"' not in page.text
    assert "no-store" in page["Cache-Control"]
    assert SESSION_KEY not in client.session  # no client session was started
    assert client.get("/conversations/").status_code == 200  # still signed in as staff
    # Nothing can be sent as the client from this browser, even by hand.
    refused = send(client, body="Posted as the client?")
    assert refused.status_code == 403 and "signed in to Hona as staff" in refused.text
    assert client.get("/portal/").status_code == 403
    assert Message.objects.count() == 1


def test_staff_of_another_firm_opening_a_link_see_nothing_of_the_client(
    client: Client, contact: Contact, outsider: User
) -> None:
    actions.receive_portal_message(contact=contact, body="Private words", files=[])
    client.force_login(outsider)
    page = client.get(path_of(portal_url(contact)))
    assert page.status_code == 403
    assert "This link is for a client" in page.text and "sign out of Hona first" in page.text
    assert "Private words" not in page.text and "Jane" not in page.text
    assert SESSION_KEY not in client.session
    assert client.get("/conversations/").status_code == 200


def test_signing_in_as_staff_after_opening_a_link_does_not_let_the_staff_send_as_the_client(
    portal: Client, owner: User
) -> None:
    portal.force_login(owner)  # Django keeps the session's data across a sign-in
    assert SESSION_KEY in portal.session
    response = send(portal, body="Posted as the client?")
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_nul_character_in_a_message_is_refused_with_a_reason_and_nothing_is_stored(
    portal: Client,
) -> None:
    response = send(portal, body="Hello\x00world")
    assert response.status_code == 422
    assert "Null characters are not allowed." in response.text
    assert not Message.objects.exists()


def test_without_javascript_a_refused_message_shows_why_on_the_page(portal: Client) -> None:
    response = portal.post("/portal/send/", {"body": "x" * 1601})
    assert response.status_code == 422
    assert "This message is 1,601 characters long; the limit is 1,600." in response.text
    assert 'id="portal-composer"' in response.text  # the whole page, the draft can be retried
    assert not Message.objects.exists()


def test_a_clients_file_is_served_never_cached_and_never_as_a_page(
    portal: Client, contact: Contact
) -> None:
    message = actions.receive_portal_message(
        contact=contact, body="", files=[actions.NewFile("lease.pdf", PDF)]
    )
    response = portal.get(f"/portal/files/{message.attachments.get().pk}/")
    assert response.status_code == 200 and response.getvalue() == PDF
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("tamper", ["x", "change-contact"])
def test_a_tampered_link_shows_a_friendly_page_and_never_the_thread(
    client: Client, contact: Contact, make_contact: Any, tamper: str
) -> None:
    url = path_of(portal_url(contact))
    if tamper == "x":
        url = url[:-3] + "xx/"
    else:
        other = path_of(portal_url(make_contact(contact.organization, "Other")))
        url = other.split(":")[0] + ":" + url.split(":", 1)[1]  # someone else's payload
    response = client.get(url)
    assert response.status_code == 403
    assert "This link no longer works" in response.text
    assert client.get("/portal/").status_code == 403


def test_an_expired_link_offers_to_send_a_fresh_one_to_the_number_on_file(
    client: Client, contact: Contact, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = "memory"
    from messaging.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    url = path_of(portal_url(contact))
    later = timezone.now() + datetime.timedelta(days=31)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        page = client.get(url)
        assert page.status_code == 403 and "Send me a new link" in page.text
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url)
    assert "texting a new link to your phone number on file" in answer.text
    [sms] = MemoryBackend.outbox
    assert sms.to == contact.phone and "/p/" in sms.body


def test_revoked_links_stop_working_and_a_new_link_works(
    client: Client, contact: Contact, owner: User
) -> None:
    old = path_of(portal_url(contact))
    client.get(old)
    assert client.get("/portal/").status_code == 200
    staff = Client()
    staff.force_login(owner)
    staff.post(f"/conversations/{contact.thread.pk}/revoke-link/")
    assert client.get("/portal/").status_code == 403  # the open session ends too
    assert client.get(old).status_code == 403
    contact.refresh_from_db()
    time.sleep(1.1)  # links carry their time to the second
    fresh = path_of(portal_url(contact))
    assert client.get(fresh).status_code == 302
    assert client.get("/portal/").status_code == 200


def test_pages_are_rate_limited(
    client: Client, contact: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One fixed window for the whole test: one that ended midway would start counting anew.
    clock = types.SimpleNamespace(time=lambda: 1_800_000_000.0, monotonic=time.monotonic)
    monkeypatch.setattr("hona.throttle.time", clock)
    url = path_of(portal_url(contact))
    codes = [client.get(url).status_code for _ in range(35)]
    assert codes[0] == 302 and codes[-1] == 429


def test_staff_edit_the_notification_preference_with_its_explanation(
    client: Client, contact: Contact, owner: User
) -> None:
    client.force_login(owner)
    page = client.get(f"/contacts/{contact.pk}/edit/")
    assert "Two-way messages to a textable number always go by SMS" in page.text
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "name": "Jane Doe",
            "kind": "client",
            "phone": "(415) 555-0134",
            "email": "jane@example.com",
            "notification_preference": "email",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.notification_preference == "email" and contact.phone == "+14155550134"
    thread = client.get(f"/conversations/{contact.thread.pk}/").text
    assert "Automated notices: Email" in thread


def test_an_email_to_the_client_explains_replying_in_the_portal(
    firm: Organization, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    contact = actions.create_contact(organization=firm, name="Erik", email="erik@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_message(thread=contact.thread, sender=owner, body="Papers are ready")
    body = str(mail.outbox[0].body)
    assert "To reply, or to send us files, open your conversation" in body
    assert "/p/" in body


def test_portal_tokens_never_reach_the_logs(contact: Contact) -> None:
    import logging

    from hona.logfilters import RedactSignedLinks

    token_path = path_of(portal_url(contact))
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 302 0', (token_path,), None
    )
    RedactSignedLinks().filter(record)
    assert record.getMessage() == '"GET /p/[redacted]/ HTTP/1.1" 302 0'
    assert token_path.split("/")[2] not in record.getMessage()


def test_portal_pages_send_link_tokens_as_referrer_only_to_our_own_origin(
    client: Client, contact: Contact, settings: Any
) -> None:
    """`same-origin`, not `no-referrer`: the latter makes Chromium post the portal's own forms
    with `Origin: null`, which the CSRF check refuses (tests/test_browser_portal.py)."""
    link = path_of(portal_url(contact))
    actions.revoke_portal_links(contact=contact)
    ended = client.get(link)  # the page with "Send me a new link", at the token's own URL
    time.sleep(1.1)  # links carry their time to the second
    client.get(path_of(portal_url(contact)))
    thread = client.get("/portal/")
    for page in (ended, thread):
        assert page["Referrer-Policy"] == "same-origin"
        assert "no-store" in page["Cache-Control"]
        assert '<meta name="referrer" content="same-origin">' in page.text
