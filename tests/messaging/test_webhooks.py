"""Twilio's webhooks: signed, stored once, routed, opt-outs honoured, statuses only move forward."""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from hona.models import Organization, User
from messaging import actions
from messaging.delivery import deliver_message, email_delivery
from messaging.failures import Failure
from messaging.models import ConsentEvent, Contact, Message, Thread
from notifications.queries import unread_thread_count
from projects.actions import create_project
from tests.conftest import write
from tests.fakes.twilio import FakeTwilio
from tests.messaging.conftest import INBOUND, PUBLIC, STATUS, inbound


def test_an_inbound_text_is_stored_routed_and_answered_with_empty_twiml(
    post: Any, firm: Organization, contact: Contact, colleague: User
) -> None:
    response = post(INBOUND, inbound(firm, "Is my hearing still on?"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    message = Message.objects.get()
    assert message.thread.contact == contact
    assert message.body == "Is my hearing still on?"
    assert message.direction == "in" and message.channel == "sms"
    assert unread_thread_count(colleague) == 1


def test_a_clients_text_takes_few_statements_and_none_of_the_browser_middleware(
    client: Client,
    twilio_token: str,
    firm: Organization,
    contact: Contact,
    owner: User,
    colleague: User,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The lean inbound path (issue 13): on every text a client sends, so each statement counts.
    On PostgreSQL one statement does it all (tests/messaging/test_known_text.py): the thread with
    its firm and contact (locked), the message, the thread's update, every colleague's unread
    row, the alert's burst; its own transaction (here a savepoint in the test's: two more).
    Elsewhere (SQLite) they are five statements and the transaction's two. No duplicate check
    first, no session, no user; what can wait runs after commit, elsewhere."""
    # A client the firm has texted before (a new contact's first text also records their
    # consent: two statements, once).
    Contact.objects.filter(pk=contact.pk).update(first_texted_at=timezone.now())
    params = inbound(firm, "Is my hearing still on?")
    signature = RequestValidator(twilio_token).compute_signature(PUBLIC + INBOUND, params)
    statements = 3 if connection.vendor == "postgresql" else 7
    with django_capture_on_commit_callbacks(), django_assert_max_num_queries(statements):
        response = client.post(INBOUND, params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert Message.objects.get().body == "Is my hearing still on?"
    assert unread_thread_count(owner) == 1 and unread_thread_count(colleague) == 1
    # Nothing a browser needs: no session cookie, no CSP, no Vary on the cookie.
    assert not response.cookies
    assert "Content-Security-Policy" not in response
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="a server's connection to lose: needs DATABASE_URL on PostgreSQL, as in CI",
)
def test_a_text_arriving_on_a_connection_the_database_dropped_is_stored_on_a_new_one(
    post: Any, firm: Organization, contact: Contact
) -> None:
    """The webhook does not ask the database whether its connection still works before every
    text (a round trip each): a connection that broke meanwhile fails the first try, and the
    text is stored on a new one, once."""
    assert post(INBOUND, inbound(firm, "First", sid="SM" + "1" * 32)).status_code == 200
    dropped = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    response = post(INBOUND, inbound(firm, "Second", sid="SM" + "2" * 32))
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != dropped
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == [
        "First",
        "Second",
    ]


def test_twilio_retries_and_replays_store_the_message_once(
    post: Any, firm: Organization, contact: Contact
) -> None:
    for _ in range(3):
        assert post(INBOUND, inbound(firm)).status_code == 200
    assert Message.objects.count() == 1


@pytest.mark.parametrize("signature", ["", "forged-signature="])
def test_a_missing_or_forged_signature_is_refused_and_nothing_is_stored(
    post: Any, firm: Organization, contact: Contact, signature: str
) -> None:
    assert post(INBOUND, inbound(firm), signature=signature).status_code == 403
    assert (
        post(
            STATUS, {"MessageSid": "SMx", "MessageStatus": "delivered"}, signature=signature
        ).status_code
        == 403
    )
    assert not Message.objects.exists()


def test_a_signature_for_other_parameters_is_refused(
    client: Client, twilio_token: str, firm: Organization, contact: Contact
) -> None:
    params = inbound(firm, "original")
    signature = RequestValidator(twilio_token).compute_signature(PUBLIC + INBOUND, params)
    tampered = {**params, "Body": "tampered"}
    response = client.post(INBOUND, tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_an_unknown_number_becomes_a_lead_with_its_own_thread(
    post: Any, firm: Organization
) -> None:
    post(INBOUND, inbound(firm, "Do you handle divorces?", From="+16505550123"))
    lead = Contact.objects.get(phone="+16505550123")
    assert lead.kind == Contact.Kind.LEAD and lead.name == "New lead (650) 555-0123"
    assert lead.thread.messages.get().body == "Do you handle divorces?"


def test_a_text_to_a_number_no_firm_uses_is_acknowledged_and_dropped(
    post: Any, firm: Organization
) -> None:
    assert post(INBOUND, inbound(firm, To="+18885550000")).status_code == 200
    assert not Message.objects.exists()


def test_inbound_files_to_the_current_project_and_unarchives_the_thread(
    post: Any, firm: Organization, contact: Contact, owner: User
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    actions.add_contact_to_project(contact=contact, project=project)
    thread = Thread.objects.get(contact=contact)
    actions.set_thread_archived(thread=thread, user=owner, archived=True)
    post(INBOUND, inbound(firm))
    thread.refresh_from_db()
    assert not thread.is_archived
    assert Message.objects.get().project == project


def test_a_message_from_a_contact_marked_as_spam_raises_no_dot(
    post: Any, firm: Organization, contact: Contact, owner: User
) -> None:
    actions.set_thread_spam(thread=Thread.objects.get(contact=contact), user=owner, spam=True)
    post(INBOUND, inbound(firm, "WIN A PRIZE"))
    assert Message.objects.get().body == "WIN A PRIZE"
    assert unread_thread_count(owner) == 0


def test_mms_media_is_downloaded_with_basic_auth_following_the_redirect(
    post: Any, fake_twilio: FakeTwilio, firm: Organization, contact: Contact, settings: Any
) -> None:
    settings.TWILIO_AUTH_TOKEN = "webhook-test-token"  # the fake checks the same credentials
    fake_twilio.auth_token = "webhook-test-token"
    url = fake_twilio.add_media("ME1", b"\x89PNG\r\n fake image", "image/png")
    post(
        INBOUND,
        inbound(firm, "", NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"),
    )
    message = Message.objects.get()
    [attachment] = message.attachments.all()
    assert attachment.content_type == "image/png"
    assert attachment.file.read() == b"\x89PNG\r\n fake image"
    assert message.media_pending == 0
    # Twilio's redirect to its media store was followed, without Twilio's credentials.
    assert [r.path for r in fake_twilio.cdn.requests] == ["/cdn/ME1"]
    assert fake_twilio.cdn.authorizations == []


def test_mms_media_from_a_client_is_kept_in_the_bucket_when_files_are_in_s3(
    post: Any,
    fake_twilio: FakeTwilio,
    firm: Organization,
    contact: Contact,
    bucket: Any,
    settings: Any,
) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token = "webhook-test-token"
    url = fake_twilio.add_media("ME1", b"%PDF-1.4 scan", "application/pdf")
    post(
        INBOUND,
        inbound(firm, "", NumMedia="1", MediaUrl0=url, MediaContentType0="application/pdf"),
    )
    attachment = Message.objects.get().attachments.get()
    assert bucket.keys() == [attachment.file.name]
    assert bucket.read(attachment.file.name) == b"%PDF-1.4 scan"
    assert attachment.file.read() == b"%PDF-1.4 scan"


@pytest.fixture
def elsewhere() -> Any:
    """Another host on loopback, standing for whoever a forged MediaUrl points at."""
    from tests.fakes.recorder import RecorderServer

    with RecorderServer() as server:
        yield server


@pytest.mark.parametrize("shape", ["other-host", "user-info", "longer-host"])
def test_a_media_url_off_twilios_api_host_is_never_fetched_with_twilios_credentials(
    post: Any,
    fake_twilio: FakeTwilio,
    elsewhere: Any,
    firm: Organization,
    contact: Contact,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    shape: str,
) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token = "webhook-test-token"
    path = f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages/MM1/Media/ME9"
    url = {
        "other-host": f"{elsewhere.url}{path}",
        "user-info": f"{fake_twilio.base_url}@127.0.0.1:{elsewhere.port}{path}",
        "longer-host": f"{fake_twilio.base_url}.evil.example{path}",
    }[shape]
    post(
        INBOUND,
        inbound(firm, "see pic", NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"),
    )
    assert elsewhere.connections == 0 and fake_twilio.requests == []
    message = Message.objects.get()
    assert message.body == "see pic" and message.media_pending == 0
    assert not message.attachments.exists()
    [media] = message.inbound_media.all()
    assert media.failed and media.url == ""  # refused, not kept
    assert "is not Twilio's API host" in caplog.text


def test_a_foreign_media_url_stored_before_the_check_is_refused_when_fetched(
    fake_twilio: FakeTwilio, elsewhere: Any, thread: Thread, caplog: pytest.LogCaptureFixture
) -> None:
    from messaging.inbound import fetch_inbound_media
    from messaging.models import InboundMedia

    message = actions.record_message(
        thread=thread, direction="in", body="", channel="mms", status="received", media_pending=1
    )
    InboundMedia.objects.create(
        message=message, position=0, url=f"{elsewhere.url}/Media/ME1", content_type="image/png"
    )
    fetch_inbound_media(message_id=message.pk, final_attempt=False)
    assert elsewhere.connections == 0
    assert InboundMedia.objects.get().failed
    message.refresh_from_db()
    assert message.media_pending == 0
    assert "is not Twilio's API host" in caplog.text


def test_media_download_is_retried_when_twilio_is_briefly_unavailable(
    post: Any, fake_twilio: FakeTwilio, firm: Organization, contact: Contact, settings: Any
) -> None:
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token = "webhook-test-token"
    fake_twilio.media_failures = 2
    url = fake_twilio.add_media("ME2", b"%PDF-1.4 scan", "application/pdf")
    post(
        INBOUND,
        inbound(firm, "scan", NumMedia="1", MediaUrl0=url, MediaContentType0="application/pdf"),
    )
    message = Message.objects.get()
    assert message.attachments.get().file.read() == b"%PDF-1.4 scan"
    assert fake_twilio.media_failures == 0


# --- Senders that are not phone numbers -----------------------------------------------------------


def sender_contact(firm: Organization, sender_id: str) -> Contact:
    return Contact.objects.for_organization(firm).get(sender_id=sender_id)


@pytest.mark.parametrize(
    ("sender", "name"),
    [("12345", "Short code 12345"), ("HonaAlerts", "Sender ID HonaAlerts")],
)
def test_a_text_from_a_short_code_or_sender_id_is_stored_as_a_lead_that_cannot_be_texted(
    post: Any, firm: Organization, colleague: User, sender: str, name: str
) -> None:
    response = post(INBOUND, inbound(firm, "Your code is 4821", From=sender))
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    lead = sender_contact(firm, sender)
    assert lead.name == name and lead.kind == Contact.Kind.LEAD
    assert lead.phone == "" and not lead.phone_textable and not lead.can_receive_sms
    assert lead.phone_not_textable_reason == f"{name} cannot receive texts."
    assert lead.route.channel == "none"
    assert lead.thread.messages.get().body == "Your code is 4821"
    assert unread_thread_count(colleague) == 1


def test_a_second_text_from_the_same_sender_joins_the_same_thread(
    post: Any, firm: Organization
) -> None:
    post(INBOUND, inbound(firm, "first", sid="SM" + "1" * 32, From="HonaAlerts"))
    post(INBOUND, inbound(firm, "second", sid="SM" + "2" * 32, From="HonaAlerts"))
    post(INBOUND, inbound(firm, "other", sid="SM" + "3" * 32, From="12345"))
    alerts = sender_contact(firm, "HonaAlerts")
    assert [m.body for m in alerts.thread.messages.all()] == ["first", "second"]
    assert Contact.objects.count() == Thread.objects.count() == 2


def test_the_same_sender_id_texting_two_firms_is_a_contact_of_each(
    post: Any, firm: Organization, other_firm: Organization
) -> None:
    post(INBOUND, inbound(firm, sid="SM" + "1" * 32, From="12345"))
    post(INBOUND, inbound(other_firm, sid="SM" + "2" * 32, From="12345"))
    assert sender_contact(firm, "12345") != sender_contact(other_firm, "12345")


def test_stop_from_a_short_code_is_kept_as_a_text_and_changes_no_consent(
    post: Any, firm: Organization
) -> None:
    post(INBOUND, inbound(firm, "STOP", From="12345"))
    lead = sender_contact(firm, "12345")
    assert not lead.sms_opted_out and not ConsentEvent.objects.exists()
    assert lead.thread.messages.get().body == "STOP"


@pytest.fixture
def short_code(post: Any, firm: Organization) -> Contact:
    post(INBOUND, inbound(firm, "Your code is 4821", From="12345"))
    return sender_contact(firm, "12345")


def test_a_staff_reply_to_a_short_code_without_email_is_refused_and_nothing_is_stored(
    short_code: Contact, owner: User, fake_twilio: FakeTwilio
) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.send_message(thread=short_code.thread, sender=owner, body="Who is this?")
    assert refused.value.code == Failure.SENDER_ID
    assert "Short code 12345 cannot receive texts" in refused.value.messages[0]
    assert not short_code.thread.messages.filter(direction="out").exists()
    assert fake_twilio.requests == []


def test_the_composer_says_why_a_reply_to_a_short_code_was_not_sent(
    short_code: Contact, client: Client, owner: User, fake_twilio: FakeTwilio
) -> None:
    client.force_login(owner)
    response = client.post(
        f"/conversations/{short_code.thread.pk}/send/",
        {"body": "Who is this?"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Short code 12345 cannot receive texts" in response.text
    assert "Add an email address to reply" in response.text
    assert not Message.objects.filter(direction="out").exists()
    assert fake_twilio.requests == []


def test_a_staff_reply_to_a_short_code_with_an_email_goes_by_email_and_never_to_twilio(
    short_code: Contact,
    owner: User,
    fake_twilio: FakeTwilio,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Contact.objects.filter(pk=short_code.pk).update(email="alerts@bank.example")
    short_code.refresh_from_db()
    assert short_code.route.channel == "email"
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(thread=short_code.thread, sender=owner, body="Thanks")
    message.refresh_from_db()
    assert message.channel == "email" and message.status == "sent"
    assert message.fallback_code == Failure.SENDER_ID
    assert message.error_reason == "Sent by email because Short code 12345 cannot receive texts."
    assert [m.to for m in mail.outbox] == [["alerts@bank.example"]]
    assert fake_twilio.requests == []


def test_a_queued_reply_to_a_short_code_that_lost_its_email_fails_with_a_code(
    short_code: Contact, owner: User, fake_twilio: FakeTwilio
) -> None:
    """One that reached the queue anyway (written while the contact had an email, say)."""
    message = write(short_code.thread, owner, "Thanks", channel="")
    deliver_message(message_id=message.pk)
    email_delivery(message_id=message.pk, final_attempt=False)
    message.refresh_from_db()
    assert message.status == "failed" and message.failure_code == Failure.NO_EMAIL
    assert message.fallback_code == Failure.SENDER_ID
    assert fake_twilio.requests == []


@pytest.mark.parametrize(
    ("sender", "label"), [("12345", "Short code 12345"), ("HonaAlerts", "Sender ID HonaAlerts")]
)
def test_the_list_and_the_thread_header_show_the_sender_plainly(
    post: Any, client: Client, firm: Organization, owner: User, sender: str, label: str
) -> None:
    post(INBOUND, inbound(firm, "Your code is 4821", From=sender))
    lead = sender_contact(firm, sender)
    client.force_login(owner)
    listing = client.get("/conversations/").text
    assert re.search(rf"<strong>{label}</strong>", listing)
    header = client.get(f"/conversations/{lead.thread.pk}/").text
    assert f"<h2>{label}" in header
    assert f"{label} only sends: it cannot receive texts." in header
    assert "By SMS" not in header  # no phone number made up for it


def test_a_renamed_sender_still_shows_which_short_code_it_is(
    short_code: Contact, client: Client, owner: User
) -> None:
    Contact.objects.filter(pk=short_code.pk).update(name="Acme Bank alerts")
    client.force_login(owner)
    header = client.get(f"/conversations/{short_code.thread.pk}/").text
    assert "<h2>Acme Bank alerts" in header and "Short code 12345 only sends" in header


@pytest.mark.parametrize(
    ("sender", "stored"),
    [
        ("Short\x00Code\nAlerts", "ShortCode Alerts"),  # one safe line, no NUL
        ("messenger:1234567890", "messenger:1234567890"),
        ("+10005550000", "+10005550000"),  # shaped like a number, but not one
        ("x" * 500, "x" * 64),
    ],
)
def test_any_other_sender_is_stored_in_one_safe_line(
    post: Any, firm: Organization, sender: str, stored: str
) -> None:
    assert post(INBOUND, inbound(firm, "hello", From=sender)).status_code == 200
    lead = sender_contact(firm, stored)
    assert lead.thread.messages.get().body == "hello"
    assert not lead.can_receive_sms


def test_a_number_stored_as_given_before_sender_ids_keeps_its_thread(
    post: Any, firm: Organization
) -> None:
    """Earlier releases kept a number phonenumbers did not know in `phone`, as given."""
    earlier = Contact.objects.create(organization=firm, name="+10005550000", phone="+10005550000")
    actions.ensure_thread(contact=earlier)
    post(INBOUND, inbound(firm, "again", From="+10005550000"))
    assert Message.objects.get().thread.contact == earlier
    assert Contact.objects.count() == 1


def test_a_whatsapp_sender_joins_the_thread_of_their_phone_number(
    post: Any, firm: Organization, contact: Contact
) -> None:
    post(INBOUND, inbound(firm, "via WhatsApp", From=f"whatsapp:{contact.phone}"))
    assert Message.objects.get().thread.contact == contact
    assert Contact.objects.count() == 1


def test_a_text_with_nul_characters_is_kept_without_them(
    post: Any, firm: Organization, contact: Contact
) -> None:
    assert post(INBOUND, inbound(firm, "Hel\x00lo")).status_code == 200
    assert Message.objects.get().body == "Hello"


def test_an_empty_text_is_kept_empty(post: Any, firm: Organization, contact: Contact) -> None:
    assert post(INBOUND, inbound(firm, "")).status_code == 200
    message = Message.objects.get()
    assert message.body == "" and message.thread.last_message_preview == "(empty message)"


def test_an_empty_text_with_a_file_that_cannot_be_fetched_is_kept_with_the_file_marked(
    post: Any, fake_twilio: FakeTwilio, firm: Organization, contact: Contact
) -> None:
    params = inbound(firm, "", NumMedia="1", MediaUrl0="ftp://x/y", MediaContentType0="image/png")
    assert post(INBOUND, params).status_code == 200
    message = Message.objects.get()
    assert message.body == "" and message.media_pending == 0
    assert message.inbound_media.get().failure == "not_twilio"


@pytest.mark.parametrize("field", ["From", "To", "MessageSid"])
@pytest.mark.parametrize("value", ["", "\x00"])
def test_a_text_without_a_sender_receiver_or_id_is_refused_and_nothing_is_stored(
    post: Any, firm: Organization, field: str, value: str
) -> None:
    params = inbound(firm, **{field: value})
    params.pop("SmsSid")
    assert post(INBOUND, params).status_code == 400
    assert not Message.objects.exists() and not Contact.objects.exists()


# --- Opt-out ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        "  Stop  ",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit",
        "REVOKE",
        "optout",
    ],
)
def test_an_opt_out_keyword_marks_the_contact_opted_out_with_the_time(
    post: Any, firm: Organization, contact: Contact, word: str
) -> None:
    post(INBOUND, inbound(firm, word))
    contact.refresh_from_db()
    assert contact.sms_opted_out and contact.sms_opted_out_at is not None
    event = ConsentEvent.objects.get(contact=contact)
    assert event.kind == "opted_out" and event.keyword == word.strip().upper()
    assert Message.objects.get().body == word  # the text itself is kept too


def test_a_sentence_containing_stop_is_not_an_opt_out(
    post: Any, firm: Organization, contact: Contact
) -> None:
    post(INBOUND, inbound(firm, "Please stop by the office"))
    contact.refresh_from_db()
    assert not contact.sms_opted_out


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_an_opt_in_keyword_brings_sms_back_and_the_history_is_kept(
    post: Any, firm: Organization, contact: Contact, word: str
) -> None:
    post(INBOUND, inbound(firm, "STOP", sid="SM" + "1" * 32))
    post(INBOUND, inbound(firm, word, sid="SM" + "2" * 32))
    contact.refresh_from_db()
    assert not contact.sms_opted_out and contact.can_receive_sms
    # Newest first: their START (a text of theirs before the firm ever texted them) is consent.
    assert list(ConsentEvent.objects.filter(contact=contact).values_list("kind", flat=True)) == [
        "consented",
        "opted_in",
        "opted_out",
    ]


def test_while_opted_out_messages_go_by_email_and_the_header_says_so(
    post: Any,
    client: Client,
    firm: Organization,
    contact: Contact,
    owner: User,
    fake_twilio: FakeTwilio,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post(INBOUND, inbound(firm, "STOP"))
    thread = Thread.objects.get(contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(thread=thread, sender=owner, body="Your documents are ready")
    message.refresh_from_db()
    assert message.channel == "email" and fake_twilio.messages == []
    client.force_login(owner)
    html = client.get(f"/conversations/{thread.pk}/").text
    assert "Opted out of SMS — messages go by email to jane@example.com" in html


# --- Status callbacks -----------------------------------------------------------------------------


@pytest.fixture
def sent_sms(
    fake_twilio: FakeTwilio, thread: Thread, owner: User, django_capture_on_commit_callbacks: Any
) -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(thread=thread, sender=owner, body="On its way")
    message.refresh_from_db()
    assert message.provider_sid
    return message


def status(message: Message, value: str, code: str = "") -> dict[str, str]:
    params = {"MessageSid": message.provider_sid, "MessageStatus": value, "AccountSid": "AC1"}
    if code:
        params["ErrorCode"] = code
    return params


def test_status_moves_forward_and_never_back(post: Any, sent_sms: Message) -> None:
    assert post(STATUS, status(sent_sms, "sent")).status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"
    post(STATUS, status(sent_sms, "delivered"))
    post(STATUS, status(sent_sms, "sent"))  # late
    post(STATUS, status(sent_sms, "queued"))  # out of order
    post(STATUS, status(sent_sms, "delivered"))  # repeated
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"
    assert sent_sms.status_changed_at <= timezone.now()


@pytest.mark.parametrize(
    "code", ["30004", "30005", "30006", "30007", "30008", "30032", "30034", "30036"]
)
def test_an_undelivered_text_falls_back_to_email_with_the_reason(
    post: Any, sent_sms: Message, code: str
) -> None:
    post(STATUS, status(sent_sms, "undelivered", code))
    sent_sms.refresh_from_db()
    assert sent_sms.channel == "email" and sent_sms.status == "sent"
    assert sent_sms.error_code == code and sent_sms.error_reason.startswith("Sent by email because")
    post(STATUS, status(sent_sms, "delivered"))  # a late SMS receipt changes nothing now
    sent_sms.refresh_from_db()
    assert sent_sms.channel == "email"


def test_an_unreachable_handset_gets_one_more_sms_then_email(
    post: Any, fake_twilio: FakeTwilio, sent_sms: Message, settings: Any
) -> None:
    settings.SMS_RETRY_DELAY_SECONDS = 0
    post(STATUS, status(sent_sms, "failed", "30003"))
    sent_sms.refresh_from_db()
    assert len(fake_twilio.messages) == 2 and sent_sms.channel == "sms"
    assert sent_sms.provider_sid == fake_twilio.messages[1]["sid"]
    post(STATUS, status(sent_sms, "failed", "30003"))
    sent_sms.refresh_from_db()
    assert len(fake_twilio.messages) == 2
    assert sent_sms.channel == "email" and "unreachable" in sent_sms.error_reason


def test_a_callback_for_an_unknown_message_is_acknowledged(post: Any, db: None) -> None:
    response = post(STATUS, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"})
    assert response.status_code == 204
