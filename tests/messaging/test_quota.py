"""Each staff member's hourly quota of new conversations and messages, set per firm."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message, Thread


def new_conversation(client: Client, phone: str) -> Any:
    return client.post(reverse("messaging:conversation-new"), {"phone": phone})


def test_a_script_texting_new_numbers_is_stopped_at_the_firms_quota(
    client: Client, firm: Organization, colleague: User
) -> None:
    """The attack: 40 new numbers texted in 1.8 s. With a quota of 25 an hour, 25 get through."""
    firm.new_conversations_per_hour = 25
    firm.save()
    client.force_login(colleague)
    answers = [new_conversation(client, f"(415) 555-{n:04d}") for n in range(2000, 2040)]
    assert [a.status_code for a in answers[:25]] == [302] * 25
    refused = answers[25:]
    assert {a.status_code for a in refused} == {200}  # the form again, with the reason
    assert "You have sent 25 new conversations in the last hour" in refused[0].text
    assert "ask a firm admin to raise the limit" in refused[0].text
    assert Contact.objects.filter(created_by=colleague).count() == 25


def test_the_default_quota_fits_a_busy_desk(firm: Organization, colleague: User) -> None:
    assert firm.new_conversations_per_hour == 200
    for n in range(200):
        actions.start_conversation(
            organization=firm, phone=f"+1415556{n:04d}", started_by=colleague
        )
    with pytest.raises(actions.QuotaReached):
        actions.start_conversation(organization=firm, phone="+14155569999", started_by=colleague)
    assert not Contact.objects.filter(phone="+14155569999").exists()


def test_the_quota_is_per_person_and_frees_up_after_an_hour(
    firm: Organization, colleague: User, owner: User
) -> None:
    firm.new_conversations_per_hour = 2
    firm.save()
    for phone in ("+14155560001", "+14155560002"):
        actions.start_conversation(organization=firm, phone=phone, started_by=colleague)
    actions.start_conversation(organization=firm, phone="+14155560003", started_by=owner)
    Contact.objects.filter(created_by=colleague).update(
        created_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    actions.start_conversation(organization=firm, phone="+14155560004", started_by=colleague)


def test_opening_an_existing_contacts_conversation_uses_no_quota(
    firm: Organization, colleague: User, contact: Contact
) -> None:
    firm.new_conversations_per_hour = 1
    firm.save()
    for _ in range(3):
        actions.start_conversation(organization=firm, contact=contact, started_by=colleague)
        actions.start_conversation(organization=firm, phone=contact.phone, started_by=colleague)


def test_messages_stop_at_the_hourly_quota_with_a_clear_error(
    client: Client, firm: Organization, colleague: User, thread: Thread
) -> None:
    firm.messages_per_hour = 3
    firm.save()
    client.force_login(colleague)
    url = reverse("messaging:thread-send", args=[thread.pk])
    codes = [
        client.post(url, {"body": f"Update {n}"}, headers={"HX-Request": "true"}) for n in range(4)
    ]
    assert [c.status_code for c in codes] == [200, 200, 200, 422]
    assert "You have sent 3 messages in the last hour" in codes[-1].text
    assert Message.objects.filter(sender=colleague).count() == 3


def test_zero_means_no_quota(firm: Organization, colleague: User, thread: Thread) -> None:
    firm.messages_per_hour = 0
    firm.save()
    for n in range(5):
        actions.send_message(thread=thread, sender=colleague, body=f"Update {n}")
    assert thread.messages.count() == 5


def test_a_firm_admin_sets_the_quota_in_the_admin(client: Client, owner: User) -> None:
    client.force_login(owner)
    page = client.get(reverse("admin:hona_organization_change", args=[owner.organization_id]))
    assert "New conversations per person per hour" in page.text
    assert "Messages per person per hour" in page.text


def test_documents_from_the_case_count_against_the_same_quota(
    firm: Organization, colleague: User, thread: Thread
) -> None:
    from cms_sync.documents import send_documents

    firm.messages_per_hour = 1
    firm.save()
    actions.send_message(thread=thread, sender=colleague, body="The lease follows")
    with pytest.raises(actions.QuotaReached):
        send_documents(thread=thread, sender=colleague, body="The lease", document_ids=["7"])
    assert thread.messages.count() == 1
