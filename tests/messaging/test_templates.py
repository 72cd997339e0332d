"""Message templates: shared by the whole firm, created, edited, deleted, inserted."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.models import MessageTemplate, Thread


@pytest.fixture
def reminder(firm: Organization, owner: User) -> MessageTemplate:
    return actions.create_template(
        organization=firm, name="Reminder", body="See you tomorrow at 10.", created_by=owner
    )


def test_a_template_created_by_one_colleague_is_listed_for_the_other(
    client: Client, owner: User, colleague: User
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("messaging:template-create"), {"name": "Docs received", "body": "Thank you!"}
    )
    assert response.status_code == 302
    client.force_login(colleague)
    html = client.get(reverse("messaging:template-list")).text
    assert "Docs received" in html and "Thank you!" in html and "created by Owner" in html


def test_editing_and_deleting_a_template(
    client: Client, colleague: User, reminder: MessageTemplate
) -> None:
    client.force_login(colleague)
    client.post(
        reverse("messaging:template-edit", args=[reminder.pk]),
        {"name": "Reminder", "body": "See you on Friday."},
    )
    reminder.refresh_from_db()
    assert reminder.body == "See you on Friday."
    confirm = client.get(reverse("messaging:template-delete", args=[reminder.pk]))
    assert "Delete “Reminder”?" in confirm.text
    client.post(reverse("messaging:template-delete", args=[reminder.pk]))
    assert not MessageTemplate.objects.exists()


def test_a_duplicate_name_or_an_oversized_body_is_a_form_error(
    client: Client, colleague: User, reminder: MessageTemplate
) -> None:
    client.force_login(colleague)
    duplicate = client.post(reverse("messaging:template-create"), {"name": "Reminder", "body": "x"})
    assert "already has a template with this name" in duplicate.text
    too_long = client.post(
        reverse("messaging:template-create"), {"name": "Long", "body": "y" * 1601}
    )
    assert "at most 1,600 characters" in too_long.text or "at most 1600" in too_long.text
    assert MessageTemplate.objects.count() == 1


def test_new_template_from_the_composer_returns_to_the_thread_to_insert_it(
    client: Client, colleague: User, thread: Thread
) -> None:
    client.force_login(colleague)
    back = reverse("messaging:thread-detail", args=[thread.pk])
    form = client.get(reverse("messaging:template-create"), {"body": "Draft text", "next": back})
    assert "Draft text" in form.text
    response = client.post(
        reverse("messaging:template-create"),
        {"name": "From draft", "body": "Draft text", "next": back},
    )
    created = MessageTemplate.objects.get(name="From draft")
    assert response["Location"] == f"{back}?template={created.pk}"
    # Back in the thread, the composer is given the new template to insert into the draft.
    html = client.get(response["Location"]).text
    assert 'data-new-template-body="Draft text"' in html
    evil = client.post(
        reverse("messaging:template-create"),
        {"name": "Evil", "body": "x", "next": "//evil.example/"},
    )
    assert evil["Location"] == reverse("messaging:template-list")


def test_the_composer_picker_lists_the_firms_templates(
    client: Client, colleague: User, reminder: MessageTemplate
) -> None:
    client.force_login(colleague)
    html = client.get(
        reverse("messaging:template-list"), {"picker": "1"}, headers={"HX-Request": "true"}
    ).text
    assert 'data-template-body="See you tomorrow at 10."' in html
    assert "<html" not in html


def test_a_thread_never_inserts_another_firms_template(
    client: Client, colleague: User, thread: Thread, other_firm: Organization, outsider: User
) -> None:
    theirs = actions.create_template(
        organization=other_firm, name="Theirs", body="Their secret wording", created_by=outsider
    )
    client.force_login(colleague)
    url = reverse("messaging:thread-detail", args=[thread.pk])
    for value in (str(theirs.pk), "nonsense", "999999"):
        response = client.get(url, {"template": value})
        assert response.status_code == 200
        assert "data-new-template-body" not in response.text
        assert "Their secret wording" not in response.text
