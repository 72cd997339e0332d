"""The statements written by hand for the webhook (hona.sql) store and read exactly what the ORM
would: a field added to a model later is written and read by them too."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

from hona.models import Organization, User
from hona.sql import Columns, insert, update
from messaging.models import Contact, Message, Thread


def values(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
        if not field.primary_key
    }


def test_insert_stores_the_row_the_orm_would_with_its_defaults(
    firm: Organization, thread: Thread, owner: User
) -> None:
    when = timezone.now()
    fields: dict[str, Any] = {
        "organization_id": firm.pk,
        "thread": thread,
        "direction": Message.Direction.OUTBOUND,
        "body": "Court is closed Friday ✓",
        "sender": owner,
        "channel": Message.Channel.SMS,
        "status": Message.Status.QUEUED,
        "provider_sid": "SM" + "1" * 32,
        "created_at": when,
        "status_changed_at": when,
    }
    by_hand = Message(**fields)
    insert(by_hand)
    by_orm = Message.objects.create(**{**fields, "provider_sid": "SM" + "2" * 32})

    assert by_hand.pk is not None and not by_hand._state.adding
    stored = values(Message.objects.get(pk=by_hand.pk))
    expected = values(Message.objects.get(pk=by_orm.pk))
    assert stored.pop("provider_sid") == "SM" + "1" * 32
    expected.pop("provider_sid")
    assert stored == expected
    # Fields with only a database default (fallback_code…) are stored as it, and the instance
    # says so too, as the ORM's would after a refresh.
    assert values(by_hand)["fallback_code"] == stored["fallback_code"] == ""


def test_columns_read_a_joined_row_as_the_orm_does(thread: Thread, contact: Contact) -> None:
    Contact.objects.filter(pk=contact.pk).update(
        consent_given_at=timezone.now() - datetime.timedelta(days=2),
        consent_source="texted_first",
        line_type="mobile",
    )
    threads, contacts = Columns(Thread, "t"), Columns(Contact, "c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {threads.sql}, {contacts.sql} FROM messaging_thread t "  # noqa: S608
            "JOIN messaging_contact c ON c.id = t.contact_id WHERE t.id = %s",
            [thread.pk],
        )
        row = cursor.fetchone()
    loaded_thread = threads.load(row[: len(threads)])
    loaded_contact = contacts.load(row[len(threads) :])

    assert values(loaded_thread) == values(Thread.objects.get(pk=thread.pk))
    assert values(loaded_contact) == values(Contact.objects.get(pk=contact.pk))
    assert isinstance(loaded_contact.consent_given_at, datetime.datetime)
    assert loaded_contact.consent_given_at.tzinfo is not None
    assert not loaded_thread._state.adding


def test_update_writes_only_the_fields_named(thread: Thread, owner: User) -> None:
    Thread.objects.filter(pk=thread.pk).update(last_message_preview="Before")
    when = timezone.now()
    thread.is_archived, thread.archived_by, thread.archived_at = True, owner, when
    thread.last_message_preview = "Not written"
    update(thread, ["is_archived", "archived_by", "archived_at"])

    stored = Thread.objects.get(pk=thread.pk)
    assert stored.is_archived and stored.archived_by == owner and stored.archived_at == when
    assert stored.last_message_preview == "Before"
