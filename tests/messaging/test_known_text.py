"""A known client's plain text is stored by one statement on PostgreSQL (messaging.inbound's
`_known_text_statement`): the webhook's every text, at a round trip where the usual way took six
to eight. It must store exactly what the usual way stores — the message, the thread brought up to
date, every colleague's unread dot, the alert's burst and the CMS filing — and leave to the usual
way every text that records something about the client (a keyword, their consent, a file)."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms_sync.models import Integration, OutboxEntry
from hona.models import Organization, User
from messaging import actions, inbound
from messaging.inbound import InboundSms, receive_sms
from messaging.models import Contact, Message, Thread, UnreadThread
from notifications.models import AlertBurst
from projects.actions import create_project

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="The one statement is PostgreSQL's: needs DATABASE_URL on PostgreSQL, as in CI",
)

_sids = iter(range(10**6))


def text(contact: Contact, body: str = "Running late, be there in ten") -> Message:
    sid = f"SM{next(_sids):032d}"
    received = receive_sms(
        InboundSms(sid=sid, to=contact.organization.sms_number, from_=contact.phone, body=body)
    )
    assert received.message is not None
    return received.message


def row(instance: Any, *ignored: str) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
        if not field.primary_key and field.attname not in ignored
    }


def stored(message: Message) -> dict[str, Any]:
    """Everything the text wrote, with what differs between two clients' texts taken out."""
    message = Message.objects.get(pk=message.pk)
    thread = Thread.objects.get(pk=message.thread_id)
    when = message.created_at
    unread = {
        row.user_id: row.since == when
        for row in UnreadThread.objects.filter(thread=thread).order_by("user_id")
    }
    bursts = [
        (
            round((burst.due_at - burst.opened_at).total_seconds()),
            burst.attempts,
            burst.sent_to,
            burst.gave_up,
        )
        for burst in AlertBurst.objects.filter(thread=thread)
    ]
    filings = [
        {
            "key": entry.key == f"message:{message.pk}:{entry.case_id}",
            "case": entry.case_id == entry.project.cms_case_id,
            "project": entry.project_id == message.project_id,
            **row(entry, "message_id", "key", "created_at", "project_id", "case_id"),
        }
        for entry in OutboxEntry.objects.filter(message=message)
    ]
    return {
        "message": row(message, "thread_id", "provider_sid", "created_at", "status_changed_at"),
        "message times": message.status_changed_at == when,
        "thread": row(
            thread,
            "contact_id",
            "created_at",
            "last_message_at",
            "last_inbound_at",
            "flagged_at",
            "spam_marked_at",  # set by staff a moment apart for the two
        ),
        "thread times": (thread.last_message_at == when, thread.last_inbound_at == when),
        "unread": unread,
        "bursts": bursts,
        "filings": filings,
    }


@pytest.fixture
def usual_way(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    def use() -> None:
        monkeypatch.setattr(inbound, "_known_text_statement", lambda: None)

    return use


@pytest.fixture
def pair(
    firm: Organization, make_contact: Callable[..., Contact], owner: User, colleague: User
) -> tuple[Contact, Contact]:
    """Two clients who texted before (so there is no consent left to record)."""
    made = []
    for _ in range(2):
        contact = make_contact(firm)
        Contact.objects.filter(pk=contact.pk).update(
            consent_given_at=timezone.now(), consent_source="texted_first"
        )
        made.append(Contact.objects.get(pk=contact.pk))
    return made[0], made[1]


def both_ways(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
    body: str = "Running late, be there in ten",
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The same text from each client: one by the one statement, one the usual way. Returns
    what each stored and how many round trips the one statement took."""
    one, other = pair
    assert one.organization.sms_number  # read before the count
    with (
        django_capture_on_commit_callbacks() as fast_after,
        CaptureQueriesContext(connection) as queries,
    ):
        fast = text(one, body)
    usual_way()
    with django_capture_on_commit_callbacks() as usual_after:
        usual = text(other, body)
    assert len(fast_after) == len(usual_after)  # the same tasks queued, the same live updates
    # Inside the test's transaction it takes a savepoint (a duplicate must not end it): there
    # are the two statements around the one.
    return stored(fast), stored(usual), len(queries) - 2


def test_a_known_clients_text_is_one_statement_storing_what_the_usual_way_does(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
    firm: Organization,
    make_user: Callable[..., User],
) -> None:
    former = make_user(firm)  # a former colleague gets no unread dot either way
    User.objects.filter(pk=former.pk).update(is_active=False)
    fast, usual, round_trips = both_ways(pair, usual_way, django_capture_on_commit_callbacks)
    assert round_trips == 1
    assert fast == usual
    assert len(fast["unread"]) == 2 and all(fast["unread"].values())
    assert fast["bursts"] and fast["thread"]["last_message_preview"] == (
        "Running late, be there in ten"
    )
    assert fast["thread times"] == (True, True) and fast["message times"]


def test_an_archived_flagged_thread_comes_back_flagged_and_unread_both_ways(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
    owner: User,
) -> None:
    for contact in pair:
        thread = Thread.objects.get(contact=contact)
        actions.set_thread_flag(thread=thread, user=owner, flagged=True)
        actions.set_thread_archived(thread=thread, user=owner, archived=True)
    fast, usual, _ = both_ways(pair, usual_way, django_capture_on_commit_callbacks)
    assert fast == usual
    assert fast["thread"]["is_archived"] is False and fast["thread"]["archived_by_id"] is None
    assert fast["thread"]["is_flagged"] is True


def test_a_spam_thread_gets_its_message_but_no_dot_and_no_alert_both_ways(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
    owner: User,
) -> None:
    for contact in pair:
        actions.set_thread_spam(thread=Thread.objects.get(contact=contact), user=owner, spam=True)
    fast, usual, _ = both_ways(pair, usual_way, django_capture_on_commit_callbacks)
    assert fast == usual
    assert fast["unread"] == {} and fast["bursts"] == []


def test_a_text_older_than_the_threads_latest_keeps_the_latest_preview_both_ways(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    later = timezone.now() + datetime.timedelta(minutes=5)
    Thread.objects.filter(contact__in=pair).update(
        last_message_at=later, last_message_preview="Staff's reply"
    )
    fast, usual, _ = both_ways(pair, usual_way, django_capture_on_commit_callbacks)
    assert fast == usual
    assert fast["thread"]["last_message_preview"] == "Staff's reply"
    assert fast["thread times"] == (False, True)


def test_an_empty_text_is_kept_and_previewed_as_empty_both_ways(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    fast, usual, _ = both_ways(pair, usual_way, django_capture_on_commit_callbacks, body="  ")
    assert fast == usual
    assert fast["thread"]["last_message_preview"] == "(empty message)"


def test_a_text_on_a_filed_case_is_queued_for_the_cms_in_the_same_statement(
    pair: tuple[Contact, Contact],
    usual_way: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
    firm: Organization,
) -> None:
    Integration.objects.create(
        organization=firm, kind=Integration.Kind.WEBHOOK, webhook_url="https://cms.example/in"
    )
    for number, contact in enumerate(pair):
        project = create_project(organization=firm, name=f"Doe {number}", cms_case_id=f"10{number}")
        actions.add_contact_to_project(contact=contact, project=project)
    fast, usual, round_trips = both_ways(pair, usual_way, django_capture_on_commit_callbacks)
    assert round_trips == 1
    assert len(fast["filings"]) == 1 and all(
        fast["filings"][0][k] for k in ("key", "case", "project")
    )
    assert fast["filings"][0]["status"] == OutboxEntry.Status.PENDING
    # Each client's own case: their project ids differ, nothing else.
    fast["message"].pop("project_id"), usual["message"].pop("project_id")
    fast["thread"].pop("current_project_id"), usual["thread"].pop("current_project_id")
    assert fast == usual


@pytest.mark.parametrize(
    ("body", "opted_out"), [("STOP", True), ("stop ", True), ("START", False), ("Yes", False)]
)
def test_a_keyword_is_stored_the_usual_way_and_changes_the_contact(
    pair: tuple[Contact, Contact], body: str, opted_out: bool
) -> None:
    one, _ = pair
    if not opted_out:
        Contact.objects.filter(pk=one.pk).update(
            sms_opted_out=True, sms_opted_out_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as queries:
        text(one, body)
    assert len(queries) > 3  # not the one statement
    assert Contact.objects.get(pk=one.pk).sms_opted_out is opted_out


def test_a_clients_first_text_records_their_consent_the_usual_way(
    firm: Organization, make_contact: Callable[..., Contact]
) -> None:
    contact = make_contact(firm)
    assert contact.consent_given_at is None and contact.first_texted_at is None
    text(contact, "Hi, is this the firm?")
    contact.refresh_from_db()
    assert contact.consent_given_at is not None and contact.consent_source == "texted_first"
    assert Message.objects.filter(thread__contact=contact).count() == 1


def test_twilio_retrying_a_text_stored_by_the_one_statement_is_a_duplicate(
    pair: tuple[Contact, Contact],
) -> None:
    one, _ = pair
    sms = InboundSms(sid="SM" + "7" * 32, to=one.organization.sms_number, from_=one.phone, body="x")
    assert receive_sms(sms).message is not None
    again = receive_sms(sms)
    assert again.duplicate and again.message is None
    assert Message.objects.filter(provider_sid=sms.sid).count() == 1
    # The test's transaction is still usable after the refused insert (a savepoint held it).
    assert UnreadThread.objects.filter(thread__contact=one).count() == 2


@pytest.mark.parametrize("written", ["+1 (415) 555-0134", "14155550134", "whatsapp:+14155550134"])
def test_a_known_client_written_another_way_still_reaches_their_own_thread(
    firm: Organization, make_contact: Callable[..., Contact], written: str
) -> None:
    """Twilio's E.164 is looked up as it came; any other form of the number is parsed first."""
    contact = make_contact(firm, phone="+14155550134")
    Contact.objects.filter(pk=contact.pk).update(first_texted_at=timezone.now())
    sms = InboundSms(sid="SM" + "5" * 32, to=firm.sms_number, from_=written, body="Hello")
    message = receive_sms(sms).message
    assert message is not None and message.thread_id == Thread.objects.get(contact=contact).pk
    assert Contact.objects.filter(organization=firm).count() == 1  # no new lead
