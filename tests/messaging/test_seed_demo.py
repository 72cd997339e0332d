"""`manage.py seed_demo` builds the demo firms, and a second run changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.http import HttpRequest
from django.test import Client

from hona.models import Organization, User
from messaging.models import Attachment, Contact, Message, MessageTemplate, Thread, UnreadThread
from notifications.models import NotificationSettings
from projects.models import Project

MODELS = [
    Organization,
    User,
    Project,
    Contact,
    Thread,
    Message,
    Attachment,
    MessageTemplate,
    UnreadThread,
    NotificationSettings,
]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {model.__name__: sorted(model._default_manager.values_list()) for model in MODELS}


@pytest.fixture
def seeded(db: None) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_a_second_run_changes_nothing(seeded: str) -> None:
    before = snapshot()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == before
    assert "Already there: Demo Law" in out.getvalue()


def test_it_prints_the_demo_logins(seeded: str) -> None:
    for username in ["alice", "bob", "oscar"]:
        assert username in seeded
    assert "hona-demo" in seeded


def test_the_demo_logins_work(client: Client, seeded: str) -> None:
    for username, firm in [("alice", "Demo Law"), ("bob", "Demo Law"), ("oscar", "Second Firm")]:
        assert client.login(request=HttpRequest(), username=username, password="hona-demo"), (
            username
        )
        user = User.objects.get(username=username)
        assert user.organization is not None and user.organization.name == firm


def test_demo_law_has_a_realistic_practice(seeded: str) -> None:
    demo = Organization.objects.get(name="Demo Law")
    assert demo.sms_number == "+18885550100"
    assert User.objects.get(username="alice").is_firm_admin
    assert not User.objects.get(username="bob").is_firm_admin

    contacts = Contact.objects.for_organization(demo)
    assert 35 <= contacts.count() <= 45
    assert contacts.filter(kind="lead").exists() and contacts.filter(kind="client").exists()
    assert contacts.filter(phone_textable=True).count() >= 20
    assert contacts.filter(phone_textable=False).exclude(phone="").exists()  # the landline
    assert contacts.filter(phone="").exclude(email="").exists()  # email only
    assert contacts.filter(phone="", email="").exists()  # no way to reach them
    assert contacts.annotate(n=Count("projects")).filter(n__gte=2).exists(), (
        "some clients are on two projects"
    )

    assert 18 <= Project.objects.for_organization(demo).count() <= 22
    assert MessageTemplate.objects.for_organization(demo).count() == 6

    messages = Message.objects.for_organization(demo)
    assert 200 <= messages.count() <= 600
    assert messages.filter(direction="in").exists() and messages.filter(direction="out").exists()
    assert Attachment.objects.for_organization(demo).exists()
    oldest = messages.order_by("created_at").first()
    newest = messages.order_by("-created_at").first()
    assert oldest is not None and newest is not None
    assert (newest.created_at - oldest.created_at).days >= 60  # months of history


def test_second_firm_is_smaller_with_its_own_people(seeded: str) -> None:
    second = Organization.objects.get(name="Second Firm")
    demo = Organization.objects.get(name="Demo Law")
    assert second.sms_number == "+18885550199"
    assert User.objects.get(username="oscar").is_firm_admin
    theirs = set(Contact.objects.for_organization(second).values_list("name", flat=True))
    ours = set(Contact.objects.for_organization(demo).values_list("name", flat=True))
    assert theirs and not theirs & ours
    assert len(theirs) < len(ours)


def test_demo_staff_have_a_few_unread_threads_each(seeded: str) -> None:
    for username in ["alice", "bob"]:
        unread = UnreadThread.objects.filter(user__username=username).count()
        assert 1 <= unread <= 25
