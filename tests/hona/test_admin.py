"""The admin site: support sees every firm, a firm admin only their own, nobody deletes history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging.models import Contact, Message, MessageTemplate, Thread
from notifications.models import NotificationSettings
from projects.actions import create_project
from tests.conftest import receive


@pytest.fixture
def foreign_contact(other_firm: Organization, make_contact: Callable[..., Contact]) -> Contact:
    return make_contact(other_firm, "Foreign Client", email="foreign@example.com")


def changelist(model: type[Model], action: str = "changelist") -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}")


def test_support_sees_every_firms_contacts(
    client: Client, support: User, contact: Contact, foreign_contact: Contact
) -> None:
    client.force_login(support)
    html = client.get(changelist(Contact)).text
    assert "Jane Doe" in html and "Foreign Client" in html


def test_a_firm_admin_sees_only_their_firms_contacts(
    client: Client, owner: User, contact: Contact, foreign_contact: Contact
) -> None:
    client.force_login(owner)
    html = client.get(changelist(Contact)).text
    assert "Jane Doe" in html
    assert "Foreign Client" not in html


def test_a_firm_admin_cannot_open_another_firms_rows(
    client: Client, owner: User, foreign_contact: Contact, outsider: User
) -> None:
    client.force_login(owner)
    for url in [
        reverse("admin:messaging_contact_change", args=[foreign_contact.pk]),
        reverse("admin:messaging_thread_change", args=[foreign_contact.thread.pk]),
        reverse("admin:hona_user_change", args=[outsider.pk]),
        reverse("admin:hona_organization_change", args=[outsider.organization_id]),
    ]:
        response = client.get(url, follow=True)
        assert "Foreign Client" not in response.text
        assert "outsider@example.com" not in response.text
        assert "doesn\u2019t exist" in response.text


def test_plain_staff_cannot_use_the_admin_site(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert client.get(changelist(Contact)).status_code == 302


def test_a_firm_admin_adds_a_contact_to_their_own_firm_with_a_thread(
    client: Client, owner: User, other_firm: Organization
) -> None:
    client.force_login(owner)
    response = client.post(
        changelist(Contact, "add"),
        {
            "name": "New Client",
            "kind": "client",
            "phone": "(415) 555-0199",
            "email": "",
            "notification_preference": "sms",
            "organization": other_firm.pk,  # ignored: not a field for firm admins
        },
    )
    assert response.status_code == 302, response.text
    contact = Contact.objects.get(name="New Client")
    assert contact.organization == owner.organization
    assert contact.phone == "+14155550199"
    assert Thread.objects.filter(contact=contact).exists()


def test_a_malformed_phone_in_the_admin_is_a_form_error(
    client: Client, owner: User, contact: Contact
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("admin:messaging_contact_change", args=[contact.pk]),
        {"name": "Jane Doe", "kind": "client", "phone": "555-01", "notification_preference": "sms"},
    )
    assert response.status_code == 200
    assert "not a valid phone number" in response.text
    contact.refresh_from_db()
    assert contact.phone == "+14155550134"


def test_per_firm_uniqueness_is_a_form_error_for_firm_admins(
    client: Client, owner: User, firm: Organization
) -> None:
    from messaging.actions import create_template

    create_template(organization=firm, name="Reminder", body="See you soon")
    client.force_login(owner)
    response = client.post(
        changelist(MessageTemplate, "add"), {"name": "Reminder", "body": "Again"}
    )
    assert response.status_code == 200
    assert "already has a template with this name" in response.text
    assert MessageTemplate.objects.count() == 1


def test_nobody_can_delete_threads_or_messages(
    client: Client, owner: User, support: User, thread: Thread
) -> None:
    message = receive(thread)
    for user in [owner, support]:
        client.force_login(user)
        assert (
            client.post(
                reverse("admin:messaging_thread_delete", args=[thread.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("admin:messaging_message_delete", args=[message.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        bulk = client.post(
            changelist(Message),
            {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
        )
        assert bulk.status_code in {200, 302}
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert Message.objects.filter(pk=message.pk).exists()


def test_only_support_can_redact_a_message(
    client: Client, owner: User, support: User, thread: Thread
) -> None:
    message = receive(thread, "rude words")
    client.force_login(owner)
    client.post(changelist(Message), {"action": "redact", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.body == "rude words"
    client.force_login(support)
    client.post(changelist(Message), {"action": "redact", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.redacted_at is not None and "rude" not in message.body


def test_a_firm_admin_cannot_grant_platform_support_or_move_a_colleague(
    client: Client, owner: User, colleague: User, other_firm: Organization
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("admin:hona_user_change", args=[colleague.pk]),
        {
            "username": "colleague",
            "display_name": "Promoted",
            "email": colleague.email,
            "role": "admin",
            "is_active": "on",
            "is_superuser": "on",
            "organization": other_firm.pk,
        },
    )
    assert response.status_code == 302, response.text
    colleague.refresh_from_db()
    assert colleague.display_name == "Promoted"
    assert colleague.role == User.Role.FIRM_ADMIN and colleague.is_staff
    assert not colleague.is_superuser
    assert colleague.organization == owner.organization


def test_a_firm_admin_cannot_demote_or_deactivate_themselves(client: Client, owner: User) -> None:
    client.force_login(owner)
    client.post(
        reverse("admin:hona_user_change", args=[owner.pk]),
        {"username": "owner", "display_name": "Owner", "email": owner.email, "role": "staff"},
    )
    owner.refresh_from_db()
    assert owner.role == User.Role.FIRM_ADMIN and owner.is_active


def test_a_new_user_created_by_a_firm_admin_joins_their_firm(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("admin:hona_user_add"),
        {
            "username": "newhire",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "role": "staff",
        },
    )
    assert response.status_code == 302, response.text
    newhire = User.objects.get(username="newhire")
    assert newhire.organization == owner.organization
    assert not newhire.is_staff


def test_assignable_staff_are_only_the_firms_own(
    client: Client, owner: User, colleague: User, outsider: User, firm: Organization
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    client.force_login(owner)
    html = client.get(reverse("admin:projects_project_change", args=[project.pk])).text
    assert "Colleague" in html
    assert "Outsider" not in html


def test_nobody_but_the_owner_can_change_notification_settings(
    client: Client, owner: User, support: User, colleague: User
) -> None:
    settings_row = NotificationSettings.objects.create(user=colleague)
    url = reverse("admin:notifications_notificationsettings_change", args=[settings_row.pk])
    for user in [owner, support]:
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200  # a read-only summary
        assert 'name="_save"' not in page.text  # read-only: no Save button
        response = client.post(url, {"scope": "none", "in_app": ""})
        assert response.status_code == 403
    settings_row.refresh_from_db()
    assert settings_row.scope == NotificationSettings.Scope.ASSIGNED


def test_main_lists_can_be_searched(
    client: Client, owner: User, contact: Contact, make_contact: Callable[..., Contact]
) -> None:
    make_contact(owner.organization, "Someone Else")
    client.force_login(owner)
    html = client.get(changelist(Contact), {"q": "jane"}).text
    assert "Jane Doe" in html and "Someone Else" not in html
    html = client.get(changelist(Contact), {"q": "+1415555013"}).text
    assert "Jane Doe" in html
