"""Integration settings, Clio's OAuth flow, filing health, and the browser extension's panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from cms_sync.matching import case_id_from
from cms_sync.models import Integration, OutboxEntry
from hona.models import Organization, User
from messaging import actions
from projects.actions import create_project
from tests.fakes.clio import FakeClio

PAGE = reverse("cms_sync:integration")


def test_only_firm_admins_reach_the_integration_page(
    client: Client, owner: User, colleague: User
) -> None:
    client.force_login(colleague)
    assert client.get(PAGE).status_code == 404
    client.force_login(owner)
    html = client.get(PAGE).text
    assert "Connect Clio" in html and "Signed webhook" in html


def test_connecting_clio_goes_through_oauth_with_a_state_check(
    client: Client, owner: User, fake_clio: FakeClio
) -> None:
    client.force_login(owner)
    start = client.post(reverse("cms_sync:connect-clio"))
    location = urlsplit(start["Location"])
    assert f"{location.scheme}://{location.netloc}" == fake_clio.base_url
    query = parse_qs(location.query)
    assert query["client_id"] == ["hona-client"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/settings/integration/clio/callback/"]
    forged = client.get(reverse("cms_sync:clio-callback"), {"code": "good-code", "state": "x"})
    assert forged.status_code == 302 and not Integration.objects.exists()
    client.post(reverse("cms_sync:connect-clio"))
    state = client.session["clio_oauth_state"]
    client.get(reverse("cms_sync:clio-callback"), {"code": "good-code", "state": state})
    integration = Integration.objects.get()
    assert integration.kind == "clio" and integration.status == "active"
    assert "Clio is connected" in client.get(PAGE).text


def test_health_shows_counts_errors_with_advice_and_unlinked_projects(
    client: Client, owner: User, firm: Organization, contact: Any, loopback_webhooks: None
) -> None:
    from cms_sync.actions import connect_webhook

    integration, _ = connect_webhook(organization=firm, user=owner, url="http://127.0.0.1:9/x")
    project = create_project(organization=firm, name="Linked case", cms_case_id="1001")
    create_project(organization=firm, name="Needs a case id")
    message = actions.record_message(
        thread=contact.thread, direction="in", body="hi", channel="sms", status="received",
        created_at=None,
    )  # fmt: skip
    OutboxEntry.objects.create(
        organization=firm, integration=integration, kind="message", message=message,
        project=project, case_id="1001", key="message:x:1001", status="failed",
        error_code="not_found", last_error="The webhook refused the entry (404).",
    )  # fmt: skip
    client.force_login(owner)
    html = client.get(PAGE).text
    assert "refused the entry (404)" in html
    assert "Check that the project is linked to the right case id" in html
    assert "Needs a case id" in html and "Retry all failed" in html


@pytest.mark.parametrize(
    ("url", "case"),
    [
        ("https://app.clio.com/nc/#/matters/1001", "1001"),
        ("https://app.clio.com/nc/#/matters/1001/communications", "1001"),
        ("https://eu.app.clio.com/matters/2002?tab=notes", "2002"),
        ("https://app.clio.com/nc/#/contacts/55", ""),
        ("https://example.com/", ""),
    ],
)
def test_the_case_is_read_from_a_clio_matter_url(url: str, case: str) -> None:
    assert case_id_from(url) == case


def test_the_extension_panel_shows_the_linked_project_or_a_clear_hint(
    client: Client, colleague: User, firm: Organization, other_firm: Organization
) -> None:
    create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
    create_project(organization=other_firm, name="Not yours", cms_case_id="3003")
    client.force_login(colleague)
    panel = reverse("cms_sync:extension-panel")
    found = client.get(panel, {"url": "https://app.clio.com/nc/#/matters/1001"})
    assert "Doe v. Acme" in found.text and "Messages" in found.text
    assert "X-Frame-Options" not in found.headers
    # Framed by no one until HONA_EXTENSION_ORIGINS names the extension (tests/hona/test_csp.py).
    assert "frame-ancestors 'none'" in found["Content-Security-Policy"]
    contact_page = client.get(panel, {"url": "https://app.clio.com/nc/#/contacts/9"}).text
    assert "No project for this case" in contact_page and "contact page" in contact_page
    other = client.get(panel, {"case": "3003"}).text
    assert "Not yours" not in other and "No project for this case" in other


def test_the_extension_is_a_valid_manifest_v3_side_panel() -> None:
    folder = Path(__file__).resolve().parents[2] / "extension"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert "sidePanel" in manifest["permissions"]
    for path in [manifest["side_panel"]["default_path"], manifest["background"]["service_worker"]]:
        assert (folder / path).exists()
    assert "/extension/panel/?url=" in (folder / "sidepanel.js").read_text()


def test_support_sees_the_outbox_in_the_admin_and_firm_admins_do_not(
    client: Client, support: User, owner: User
) -> None:
    url = reverse("admin:cms_sync_outboxentry_changelist")
    client.force_login(support)
    assert client.get(url).status_code == 200
    client.force_login(owner)
    assert client.get(url).status_code == 403


def test_seed_demo_links_demo_law_projects_to_clio_matters(db: None) -> None:
    import io

    from django.core.management import call_command

    from projects.models import Project

    call_command("seed_demo", stdout=io.StringIO())
    ids = sorted(
        int(p)
        for p in Project.objects.filter(organization__name="Demo Law").values_list(
            "cms_case_id", flat=True
        )
    )
    assert ids[0] == 1001 and ids == list(range(1001, 1001 + len(ids)))
