"""A firm's webhook cannot be pointed at our own network (issue #10, point 8): https only, public
addresses only — checked when it is saved and again at each send, connected to the address that
was checked, never redirected — and the integration page cannot be used as a port scanner.

Unless a test says otherwise these run with the production defaults: no private network
allowed, plain http refused (DEBUG is off)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cms_sync import actions as cms
from cms_sync import webhook
from cms_sync.models import Integration, OutboxEntry
from hona.models import Organization, User
from messaging import actions
from messaging.models import Contact, Thread
from projects.actions import create_project
from tests.conftest import receive
from tests.fakes.dns import FakeDns
from tests.fakes.receiver import Receiver, ReceiverServer
from tests.fakes.recorder import Recorder, RecorderServer
from tests.fakes.tls import server_context

PAGE = reverse("cms_sync:integration")
PUBLIC = "93.184.215.14"  # a public address; nothing in these tests ever connects to it


@pytest.fixture
def filed_thread(firm: Organization, contact: Contact) -> Thread:
    project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    actions.add_contact_to_project(contact=contact, project=project)
    return Thread.objects.get(contact=contact)


@pytest.fixture
def loopback_receiver() -> Iterator[Receiver]:
    with ReceiverServer() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    with RecorderServer() as server:
        yield server


def connect(firm: Organization, owner: User, url: str) -> Integration:
    integration, _ = cms.connect_webhook(organization=firm, user=owner, url=url)
    return integration


def file_one(thread: Thread, callbacks: Any) -> OutboxEntry:
    with callbacks(execute=True):
        receive(thread, "Privileged: my account number is 1234")
    return OutboxEntry.objects.get()


# --- at save ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://127.0.0.1/hona", "127.0.0.1, a private, local or reserved address"),
        ("https://127.8.9.10:8443/hona", "a private, local or reserved address"),
        ("https://10.0.0.5/hona", "10.0.0.5, a private, local or reserved address"),
        ("https://192.168.1.20/hona", "a private, local or reserved address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254, a private, local"),
        ("https://[::1]/hona", "::1, a private, local or reserved address"),
        ("https://0.0.0.0/hona", "0.0.0.0, a private, local or reserved address"),
        ("https://localhost/hona", "a private, local or reserved address"),
        ("https://rebind.example.test/hona", "leads to 127.0.0.1"),
        ("https://split.example.test/hona", "leads to 10.1.2.3"),
        ("https://2130706433/hona", "usual dotted form"),
        ("https://0177.0.0.1/hona", "usual dotted form"),
        ("https://0x7f.1/hona", "usual dotted form"),
        ("https://[::ffff:127.0.0.1]/hona", "a private, local or reserved address"),
        ("https://[::ffff:a9fe:a9fe]/hona", "a private, local or reserved address"),
        ("https://[fd00::5]/hona", "a private, local or reserved address"),
        ("https://[fe80::1]/hona", "a private, local or reserved address"),
        ("https://100.64.0.9/hona", "a private, local or reserved address"),
        ("https://224.0.0.251/hona", "a private, local or reserved address"),
        ("http://hooks.example.test/hona", "must start with https://"),
        ("ftp://hooks.example.test/hona", "must start with https://"),
        ("https://user:secret@hooks.example.test/hona", "cannot contain a user name"),
        ("https://hooks.example.test:99999999/hona", "port that is not a number"),
        ("https://gone.example.test/hona", "could not be found"),
    ],
)
def test_a_webhook_url_that_is_not_https_to_a_public_address_is_refused_at_save(
    firm: Organization, owner: User, dns: FakeDns, url: str, says: str
) -> None:
    dns.point("hooks.example.test", [PUBLIC])
    dns.point("rebind.example.test", ["127.0.0.1"])
    dns.point("split.example.test", [PUBLIC, "10.1.2.3"])  # one bad answer is enough
    dns.point("gone.example.test", [])
    with pytest.raises(ValidationError) as refused:
        connect(firm, owner, url)
    assert says in " ".join(refused.value.messages)
    assert not Integration.objects.exists()


def test_the_integration_page_says_why_a_loopback_webhook_was_refused_and_stores_nothing(
    client: Client, owner: User, loopback_receiver: Receiver
) -> None:
    client.force_login(owner)
    target = loopback_receiver.url.replace("http://", "https://")
    answer = client.post(reverse("cms_sync:connect-webhook"), {"url": target}, follow=True)
    assert "must point to a public internet address" in answer.text
    assert "Webhook connected" not in answer.text
    assert not Integration.objects.exists() and loopback_receiver.connections == 0


def test_saving_a_webhook_resolves_its_name_and_makes_no_request(
    firm: Organization, owner: User, dns: FakeDns
) -> None:
    dns.point("hooks.example.test", [PUBLIC])
    integration = connect(firm, owner, "https://hooks.example.test/hona")
    assert integration.webhook_url == "https://hooks.example.test/hona"
    assert dns.lookups == ["hooks.example.test"]  # and no connection: it would need no lookup


def test_plain_http_stays_refused_on_an_allowed_network_while_debug_is_off(
    firm: Organization, owner: User, settings: Any, loopback_receiver: Receiver
) -> None:
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(ValidationError, match="must start with https://"):
        connect(firm, owner, loopback_receiver.url)
    assert settings.WEBHOOK_ALLOW_PLAIN_HTTP is False


# --- at send ------------------------------------------------------------------------------------


def test_a_name_re_pointed_at_loopback_after_saving_is_refused_at_send_without_connecting(
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    dns: FakeDns,
    loopback_receiver: Receiver,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = f"https://rebind.example.test:{loopback_receiver.port}/hona"
    dns.point("rebind.example.test", [PUBLIC], ["127.0.0.1"])  # public when saved, then not
    connect(firm, owner, url)
    entry = file_one(filed_thread, django_capture_on_commit_callbacks)
    assert loopback_receiver.connections == 0
    assert entry.status == "failed"
    assert "rebind.example.test leads to 127.0.0.1" in entry.last_error
    client.force_login(owner)
    html = client.get(PAGE).text
    assert "must point to a public internet address" in html
    assert "Connect a webhook URL that starts with https://" in html


def test_the_connection_goes_to_the_address_that_was_checked_not_to_a_second_answer(
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    dns: FakeDns,
    loopback_webhooks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Two hosts on one port: 127.0.0.1 (allowed, and checked) and 127.0.0.2 (never allowed).
    port = _free_port_on_both()
    with (
        ReceiverServer("127.0.0.1", port) as checked,
        ReceiverServer("127.0.0.2", port) as other,
    ):
        dns.point("hooks.example.test", ["127.0.0.1"])
        integration = connect(firm, owner, f"http://hooks.example.test:{port}/hona")
        checked.secret = other.secret = _secret_of(integration)
        # From now on every answer is 127.0.0.2: a lookup made by the connection would go there.
        dns.point("hooks.example.test", ["127.0.0.1"], ["127.0.0.2"])
        entry = file_one(filed_thread, django_capture_on_commit_callbacks)
        assert entry.status == "filed" and len(checked.received) == 1
        assert other.connections == 0
        assert checked.hosts == [f"hooks.example.test:{port}"]  # the name, for the receiver
        assert dns.lookups_of("hooks.example.test") == 2  # once at save, once at send


def test_a_redirect_is_a_refusal_and_is_not_followed(
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    loopback_webhooks: None,
    loopback_receiver: Receiver,
    elsewhere: Recorder,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    integration = connect(firm, owner, loopback_receiver.url)
    loopback_receiver.secret = _secret_of(integration)
    loopback_receiver.script.append(f"redirect:{elsewhere.url}/internal")
    entry = file_one(filed_thread, django_capture_on_commit_callbacks)
    assert elsewhere.connections == 0
    assert entry.status == "failed"
    assert entry.last_error == (
        "The webhook answered HTTP 307 (a redirect). Hona does not follow redirects."
    )
    client.force_login(owner)
    html = client.get(PAGE).text
    assert "answered HTTP 307 (a redirect)" in html
    assert "Connect the webhook URL the redirect points to" in html


def test_a_refused_or_silent_port_reads_the_same_on_the_integration_page(
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    loopback_webhooks: None,
    monkeypatch: pytest.MonkeyPatch,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(webhook, "TIMEOUT", 0.3)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    errors = []
    try:
        for port in (silent.getsockname()[1], closed_port):
            Integration.objects.update(status="inactive")
            connect(firm, owner, f"http://127.0.0.1:{port}/hona")
            with django_capture_on_commit_callbacks(execute=True):
                receive(filed_thread, f"Probe of port {port}")
            errors.append(OutboxEntry.objects.order_by("-pk").first())
    finally:
        silent.close()
    # Retried, then given up on: the same words whether something listens there or not.
    assert [e.last_error for e in errors if e is not None] == [
        "The webhook could not be reached. Gave up after 8 tries.",
        "The webhook could not be reached. Gave up after 8 tries.",
    ]
    client.force_login(owner)
    html = client.get(PAGE).text
    for detail in ("Timeout", "Refused", "ConnectionError", "Errno", "Max retries"):
        assert detail not in html


def test_an_https_webhook_is_checked_against_its_name_while_connecting_to_the_checked_address(
    firm: Organization,
    owner: User,
    filed_thread: Thread,
    dns: FakeDns,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]  # https stays required
    context, ca = server_context(tmp_path, "hooks.example.test")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    dns.point("hooks.example.test", ["127.0.0.1"])
    dns.point("impostor.example.test", ["127.0.0.1"])
    with ReceiverServer(tls=context) as receiver:
        integration = connect(firm, owner, f"https://hooks.example.test:{receiver.port}/hona")
        receiver.secret = _secret_of(integration)
        entry = file_one(filed_thread, django_capture_on_commit_callbacks)
        assert entry.status == "filed" and len(receiver.received) == 1
        assert receiver.hosts == [f"hooks.example.test:{receiver.port}"]
        # A name the certificate does not carry is not accepted, whatever address it leads to.
        cms.disconnect(integration=integration)
        connect(firm, owner, f"https://impostor.example.test:{receiver.port}/hona")
        with django_capture_on_commit_callbacks(execute=True):
            receive(filed_thread, "Second")
        last = OutboxEntry.objects.order_by("-pk").first()
        assert last is not None and last.status == "failed"
        assert "its TLS certificate was not accepted" in last.last_error
        assert len(receiver.received) == 1


def _secret_of(integration: Integration) -> str:
    from cms_sync.crypto import decrypt

    return decrypt(integration.secret_encrypted)


def _free_port_on_both() -> int:
    for _ in range(20):
        first = socket.create_server(("127.0.0.1", 0))
        port = int(first.getsockname()[1])
        try:
            socket.create_server(("127.0.0.2", port)).close()
        except OSError:
            continue
        finally:
            first.close()
        return port
    raise AssertionError("no port free on both 127.0.0.1 and 127.0.0.2")
