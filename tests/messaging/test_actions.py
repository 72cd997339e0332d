from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread, UnreadThread
from notifications.queries import unread_thread_count
from projects.actions import create_project
from tests.conftest import receive, write


def test_creating_a_contact_normalises_the_phone_and_opens_its_thread(firm: Organization) -> None:
    contact = actions.create_contact(organization=firm, name=" Jane Doe ", phone="(415) 555-0134")
    assert contact.name == "Jane Doe"
    assert contact.phone == "+14155550134"
    assert contact.phone_textable
    assert Thread.objects.get(contact=contact).organization == firm


def test_a_malformed_phone_is_a_clear_error_and_stores_nothing(firm: Organization) -> None:
    with pytest.raises(ValidationError, match="valid phone number"):
        actions.create_contact(organization=firm, name="Typo", phone="555-01")
    assert not Contact.objects.exists()
    assert not Thread.objects.exists()


def test_a_duplicate_phone_in_the_same_firm_is_a_clear_error(contact: Contact) -> None:
    with pytest.raises(ValidationError, match="Another contact of this firm has this phone number"):
        actions.create_contact(organization=contact.organization, name="Twin", phone="415 555 0134")
    assert Contact.objects.count() == 1


def test_a_contact_without_a_phone_cannot_receive_sms(firm: Organization) -> None:
    contact = actions.create_contact(organization=firm, name="Email Only", email="e@example.com")
    assert not contact.can_receive_sms


def test_a_landline_reported_by_the_carrier_is_kept_but_not_textable(contact: Contact) -> None:
    actions.mark_phone_not_textable(contact=contact, reason="Twilio error 21614: landline")
    contact.refresh_from_db()
    assert contact.phone == "+14155550134"
    assert not contact.can_receive_sms


def test_a_new_client_thread_files_to_their_latest_project(firm: Organization) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    contact = actions.create_contact(organization=firm, name="Jane", projects=[project])
    assert contact.thread.current_project == project


def test_a_contact_cannot_be_put_on_another_firms_project(
    contact: Contact, other_firm: Organization
) -> None:
    foreign = create_project(organization=other_firm, name="Not yours")
    with pytest.raises(ValidationError, match="another firm"):
        actions.add_contact_to_project(contact=contact, project=foreign)
    assert not contact.projects.exists()


def test_a_client_message_is_unread_for_every_colleague_until_each_opens_it(
    thread: Thread, owner: User, colleague: User
) -> None:
    receive(thread)
    assert unread_thread_count(owner) == 1
    assert unread_thread_count(colleague) == 1

    assert actions.mark_thread_read(user=owner, thread=thread) is True
    assert unread_thread_count(owner) == 0
    assert unread_thread_count(colleague) == 1  # opening only clears it for you


def test_two_client_messages_count_as_one_unread_thread(thread: Thread, owner: User) -> None:
    first = receive(thread, "one")
    receive(thread, "two")
    assert unread_thread_count(owner) == 1
    assert UnreadThread.objects.get(user=owner).since == first.created_at


def test_a_staff_message_does_not_make_a_thread_unread(thread: Thread, owner: User) -> None:
    actions.record_message(
        thread=thread, direction="out", body="Hi", channel="sms", status="queued", sender=owner
    )
    assert unread_thread_count(owner) == 0


def test_a_message_from_a_contact_marked_as_spam_is_stored_without_an_unread_dot(
    thread: Thread, owner: User
) -> None:
    actions.set_thread_spam(thread=thread, user=owner, spam=True)
    receive(thread, "WIN A PRIZE")
    assert thread.messages.count() == 1
    assert unread_thread_count(owner) == 0


def test_archiving_clears_unread_and_the_next_message_brings_the_thread_back(
    thread: Thread, owner: User
) -> None:
    receive(thread)
    actions.set_thread_archived(thread=thread, user=owner, archived=True)
    assert unread_thread_count(owner) == 0
    assert not Thread.objects.visible().filter(pk=thread.pk).exists()

    receive(thread, "Are you there?")
    thread.refresh_from_db()
    assert not thread.is_archived
    assert unread_thread_count(owner) == 1


def test_a_message_updates_the_thread_preview_and_files_to_the_current_project(
    firm: Organization, make_contact: Callable[..., Contact]
) -> None:
    project = create_project(organization=firm, name="Estate of Bell")
    contact = make_contact(firm, projects=[project])
    message = receive(contact.thread, "  Thank you!\n\nSee you Tuesday.  ")
    contact.thread.refresh_from_db()
    assert contact.thread.last_message_preview == "Thank you! See you Tuesday."
    assert contact.thread.last_message_at == message.created_at
    assert message.project == project


@pytest.mark.parametrize(
    ("body", "files", "error"),
    [("x" * 1601, [], "at most 1600"), ("   ", [], "some text or a file")],
)
def test_record_message_refuses_bad_input_and_stores_nothing(
    thread: Thread, body: str, files: list[Any], error: str
) -> None:
    with pytest.raises(ValidationError, match=error):
        receive(thread, body)
    assert not Message.objects.exists()


def test_a_sender_from_another_firm_is_refused(thread: Thread, outsider: User) -> None:
    with pytest.raises(ValidationError, match="another firm"):
        write(thread, outsider, "Hi")


def test_files_are_stored_with_their_size_and_type(thread: Thread) -> None:
    message = actions.record_message(
        thread=thread,
        direction="in",
        body="",
        channel="mms",
        status="received",
        files=[actions.NewFile("scan.pdf", b"%PDF-1.4 demo", "application/pdf", "mms")],
    )
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "scan.pdf",
        13,
        "application/pdf",
    )
    assert attachment.file.read() == b"%PDF-1.4 demo"
    thread.refresh_from_db()
    assert thread.last_message_preview == "📎 scan.pdf"


def test_support_redaction_removes_text_and_files_but_keeps_the_record(thread: Thread) -> None:
    message = actions.record_message(
        thread=thread,
        direction="in",
        body="something inappropriate",
        channel="mms",
        status="received",
        files=[actions.NewFile("bad.png", b"\x89PNG", "image/png", "mms")],
    )
    assert actions.redact_messages(messages=[message]) == 1
    message.refresh_from_db()
    assert message.body == actions.REDACTED_TEXT
    assert message.redacted_at is not None
    assert message.attachments.get().size == 0
    assert Message.objects.filter(pk=message.pk).exists()


def test_the_unread_badge_is_one_query(
    thread: Thread, owner: User, django_assert_num_queries: Any
) -> None:
    receive(thread)
    # The user as a request has it: loaded with their firm and notification settings.
    user = User.objects.select_related("organization", "notification_settings").get(pk=owner.pk)
    with django_assert_num_queries(1):
        assert unread_thread_count(user) == 1
