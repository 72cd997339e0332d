from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cms_sync import actions as cms
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
from projects.actions import create_project
from tests.fakes.clio import FakeClio
from tests.fakes.dns import FakeDns
from tests.fakes.receiver import Receiver, ReceiverServer


@pytest.fixture
def clio(fake_clio: FakeClio, firm: Organization, owner: User) -> FakeClio:
    """The firm connected to the fake Clio (its first access token is "access-1")."""
    cms.connect_clio(
        organization=firm, user=owner, code="good-code", redirect_uri="http://127.0.0.1:8000/cb"
    )
    return fake_clio


@pytest.fixture
def receiver(firm: Organization, owner: User, loopback_webhooks: None) -> Iterator[Receiver]:
    """The firm's webhook integration, posting to a receiver on loopback that checks signatures."""
    with ReceiverServer() as server:
        _, secret = cms.connect_webhook(organization=firm, user=owner, url=server.url)
        server.secret = secret
        yield server


@pytest.fixture
def matter_thread(firm: Organization, contact: Contact) -> Thread:
    """Jane Doe's thread, filed to the project linked to Clio matter 1001."""
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    actions.add_contact_to_project(contact=contact, project=project)
    return Thread.objects.get(contact=contact)


@pytest.fixture
def loopback_webhooks(settings: Any) -> None:
    """Let webhooks reach this machine over plain http, as the tests' receivers need. Production
    allows neither (no private network by default, http only with DEBUG on); the attack tests
    run without this."""
    settings.WEBHOOK_ALLOW_PLAIN_HTTP = True
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return FakeDns().install(monkeypatch)
