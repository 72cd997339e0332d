"""Delivery-failure notices under the messaging icon: the sender's own, markable as read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Message
from notifications.models import Notification


@pytest.fixture
def failed(firm: Organization, owner: User, django_capture_on_commit_callbacks: Any) -> Message:
    unreachable = actions.create_contact(organization=firm, name="George Whitfield")
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(thread=unreachable.thread, sender=owner, body="Hello?")
    return message


def test_the_sender_sees_the_failure_with_its_reason_under_the_messaging_icon(
    client: Client, failed: Message, owner: User
) -> None:
    client.force_login(owner)
    badge = client.get(reverse("notifications:badge")).text
    assert "notice-dot" in badge and "1 notice for you" in badge
    html = client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "Your message to George Whitfield was not delivered" in html
    assert "no email address on file" in html
    assert reverse("messaging:thread-detail", args=[failed.thread_id]) in html


def test_a_colleague_does_not_get_the_senders_notice(
    client: Client, failed: Message, colleague: User
) -> None:
    client.force_login(colleague)
    html = client.get(reverse("notifications:unread-list"), headers={"HX-Request": "true"}).text
    assert "was not delivered" not in html


def test_marking_a_notice_read_clears_it_and_only_the_owner_can(
    client: Client, failed: Message, owner: User, colleague: User
) -> None:
    notice = Notification.objects.get(user=owner)
    url = reverse("notifications:notification-read", args=[notice.pk])
    client.force_login(colleague)
    assert client.post(url).status_code == 404
    client.force_login(owner)
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 204 and "unread-changed" in response["HX-Trigger"]
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "notice-dot" not in client.get(reverse("notifications:badge")).text


def test_the_same_failure_is_noticed_once(failed: Message, owner: User) -> None:
    from notifications.actions import notify_delivery_failure

    assert notify_delivery_failure(message=failed) is None
    assert Notification.objects.filter(user=owner).count() == 1


def test_an_email_only_contact_is_reached_by_email_without_a_notice(
    firm: Organization, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    contact: Contact = actions.create_contact(organization=firm, name="Erik", email="e@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_message(thread=contact.thread, sender=owner, body="Hi")
    assert not Notification.objects.exists()
