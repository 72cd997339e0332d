"""The browser extension's side of Hona: the status it asks first, its sign-in, the panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from hona.models import User

EXTENSION = Path(__file__).resolve().parents[2] / "extension"
OURS = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"
ANOTHER = "chrome-extension://" + "ponmlkjihgfedcbaponmlkjihgfedcba"
STATUS = reverse("cms_sync:extension-status")


def test_the_status_says_signed_out_and_where_to_sign_in(client: Client, settings: Any) -> None:
    settings.HONA_EXTENSION_ORIGINS = [OURS]
    answer = client.get(STATUS, headers={"Origin": OURS})
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert json.loads(answer.content) == {
        "signed_in": False,
        "sign_in_url": "/accounts/login/?next=/extension/signed-in/",
        "panel_allowed": True,
    }
    # The configured extension may read it with the browser's cookies; no other origin may.
    assert answer["Access-Control-Allow-Origin"] == OURS
    assert answer["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in answer["Vary"]
    other = client.get(STATUS, headers={"Origin": ANOTHER})
    assert "Access-Control-Allow-Origin" not in other
    assert json.loads(other.content)["panel_allowed"] is False


def test_the_status_of_a_signed_in_user_names_them_and_their_firm(
    client: Client, colleague: User, settings: Any
) -> None:
    settings.HONA_EXTENSION_ORIGINS = [OURS]
    client.force_login(colleague)
    found = json.loads(client.get(STATUS, headers={"Origin": OURS}).content)
    assert found["signed_in"] is True
    assert found["name"] == colleague.name
    assert colleague.organization is not None
    assert found["firm"] == colleague.organization.name


def test_after_signing_in_the_tab_says_to_go_back_to_the_case(
    client: Client, colleague: User
) -> None:
    page = reverse("cms_sync:extension-signed-in")
    assert client.get(page)["Location"].startswith("/accounts/login/")
    client.force_login(colleague)
    html = client.get(page).text
    assert "You are signed in to Hona" in html and "side panel" in html


def test_signed_out_the_panel_asks_to_sign_in_instead_of_refusing_to_show(
    client: Client, settings: Any
) -> None:
    settings.HONA_EXTENSION_ORIGINS = [OURS]
    panel = client.get(reverse("cms_sync:extension-panel"), {"case": "1001"})
    assert panel.status_code == 200
    assert "You are signed out of Hona" in panel.text
    assert 'href="/accounts/login/?next=/extension/signed-in/"' in panel.text


def test_nothing_in_the_extension_names_a_hona_address() -> None:
    for path in EXTENSION.iterdir():
        if path.suffix in {".js", ".json", ".html"}:
            text = path.read_text()
            assert "127.0.0.1" not in text and "localhost" not in text, path.name
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    assert "host_permissions" not in manifest
    assert manifest["optional_host_permissions"] == ["https://*/*", "http://*/*"]
