"""The Content-Security-Policy: strict on every page, sandboxed on files, and the extension panel
framed only by the configured extension. (The browser test, tests/test_browser_csp.py, proves
that the pages still work under it.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from hona.env import Env
from hona.models import User
from messaging import actions
from messaging.links import download_url, media_url
from messaging.models import Attachment, Thread
from messaging.portal import portal_url
from projects.actions import create_project
from tests.conftest import write
from tests.hona.test_settings import PRODUCTION, run_django

ROOT = Path(__file__).resolve().parents[2]
OURS = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"
ANOTHER = "chrome-extension://" + "ponmlkjihgfedcbaponmlkjihgfedcba"


def policy(response: Any) -> dict[str, list[str]]:
    """The one Content-Security-Policy header, as directive -> sources."""
    headers = [v for k, v in response.headers.items() if k.lower() == "content-security-policy"]
    assert len(headers) == 1, f"{response.request['PATH_INFO']}: {headers}"
    return {
        words[0]: words[1:] for words in (part.split() for part in headers[0].split(";")) if words
    }


def assert_strict(found: dict[str, list[str]]) -> None:
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in found.values() for source in sources)


@pytest.fixture
def attachment(thread: Thread, colleague: User) -> Attachment:
    message = write(
        thread, colleague, "", files=[actions.NewFile("scan.png", b"\x89PNG\r\n", "image/png")]
    )
    found: Attachment = message.attachments.get()
    return found


def test_the_sign_in_page_carries_the_strict_policy_and_cannot_be_framed(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_strict(policy(response))
    assert response["X-Frame-Options"] == "DENY"


def test_staff_pages_carry_the_strict_policy(
    client: Client, owner: User, thread: Thread, attachment: Attachment
) -> None:
    client.force_login(owner)
    for path in [
        reverse("messaging:conversation-list"),
        reverse("messaging:thread-detail", args=[thread.pk]),
        reverse("projects:project-list"),
        reverse("notifications:badge"),  # an htmx fragment too
        "/admin/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(policy(response))


def test_the_client_portal_carries_the_strict_policy(client: Client, thread: Thread) -> None:
    opened = client.get(urlsplit(portal_url(thread.contact)).path)
    assert opened.status_code == 302
    assert_strict(policy(opened))
    page = client.get(reverse("messaging:portal-thread"))
    assert page.status_code == 200 and "Conversation with Jane Doe" in page.text
    assert_strict(policy(page))
    assert_strict(policy(client.get("/p/not-a-link/")))


def test_files_keep_their_own_sandboxed_policy(
    client: Client, owner: User, attachment: Attachment
) -> None:
    for url in [media_url(attachment), download_url(attachment)]:
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200
        assert policy(response) == {"default-src": ["'none'"], "sandbox": []}
    client.get(urlsplit(portal_url(attachment.message.thread.contact)).path)  # the client
    response = client.get(reverse("messaging:portal-file", args=[attachment.pk]))
    assert response.status_code == 200
    assert policy(response) == {"default-src": ["'none'"], "sandbox": []}
    client.force_login(owner)
    for query in ["", "?inline=1"]:
        path = reverse("messaging:attachment-download", args=[attachment.pk]) + query
        response = client.get(path)
        assert response.status_code == 200
        assert policy(response) == {"default-src": ["'none'"], "sandbox": []}


def test_the_extension_panel_may_be_framed_by_the_configured_extension_only(
    client: Client, settings: Any, colleague: User
) -> None:
    settings.HONA_EXTENSION_ORIGINS = [OURS]
    client.force_login(colleague)
    panel = client.get(reverse("cms_sync:extension-panel"), {"case": "1001"})
    assert panel.status_code == 200
    found = policy(panel)
    assert found["frame-ancestors"] == [OURS]
    assert ANOTHER not in found["frame-ancestors"]
    assert "X-Frame-Options" not in panel.headers
    assert found["script-src"] == ["'self'"] and found["default-src"] == ["'self'"]
    # Every other page still refuses to be framed at all.
    for other_page in ["messaging:conversation-list", "projects:project-list", "login"]:
        other = client.get(reverse(other_page))
        assert policy(other)["frame-ancestors"] == ["'none'"], other_page
        assert other["X-Frame-Options"] == "DENY"
    # Signed out, the panel says so in a page the extension may frame (not the sign-in page).
    client.logout()
    signed_out = client.get(reverse("cms_sync:extension-panel"), {"case": "1001"})
    assert signed_out.status_code == 200
    assert policy(signed_out)["frame-ancestors"] == [OURS]


def test_several_extensions_may_be_configured(
    client: Client, settings: Any, colleague: User
) -> None:
    settings.HONA_EXTENSION_ORIGINS = [OURS, ANOTHER]
    client.force_login(colleague)
    panel = client.get(reverse("cms_sync:extension-panel"))
    assert policy(panel)["frame-ancestors"] == [OURS, ANOTHER]


def test_without_a_configured_extension_the_panel_cannot_be_framed(
    client: Client, settings: Any, colleague: User
) -> None:
    settings.HONA_EXTENSION_ORIGINS = []
    client.force_login(colleague)
    panel = client.get(reverse("cms_sync:extension-panel"))
    assert policy(panel)["frame-ancestors"] == ["'none'"]


def test_only_the_integration_page_lets_its_form_go_on_to_clio(
    client: Client, settings: Any, owner: User
) -> None:
    settings.CLIO_BASE_URL = "https://eu.app.clio.com"
    client.force_login(owner)
    page = client.get(reverse("cms_sync:integration"))
    assert policy(page)["form-action"] == ["'self'", "https://eu.app.clio.com"]
    started = client.post(reverse("cms_sync:connect-clio"))
    assert started["Location"].startswith("https://eu.app.clio.com/oauth/authorize?")
    assert policy(client.get(reverse("messaging:conversation-list")))["form-action"] == ["'self'"]


def test_a_project_page_and_an_error_page_carry_the_policy(
    client: Client, owner: User, firm: Any
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    client.force_login(owner)
    assert_strict(policy(client.get(reverse("projects:project-detail", args=[project.pk]))))
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict(policy(missing))


# --- HONA_EXTENSION_ORIGINS --------------------------------------------------------------------


def test_extension_origins_are_read_as_a_list() -> None:
    env = Env({"HONA_EXTENSION_ORIGINS": f" {OURS}/ , {ANOTHER}"})
    assert env.extension_origins("HONA_EXTENSION_ORIGINS") == [OURS, ANOTHER]
    assert Env({}).extension_origins("HONA_EXTENSION_ORIGINS") == []


@pytest.mark.parametrize(
    "value",
    [
        "chrome-extension:",  # any extension at all
        "chrome-extension://*",
        "https://evil.example",
        "chrome-extension://abcdefghijklmnopqrstuvwxyzabcdef",  # letters past p
        "chrome-extension://abcdefghijklmnop",  # too short
        f"{OURS}/sidepanel.html",
        f"{OURS} {ANOTHER}",
    ],
)
def test_a_value_that_is_not_an_extension_origin_is_refused(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="HONA_EXTENSION_ORIGINS must be a comma"):
        Env({"HONA_EXTENSION_ORIGINS": value}).extension_origins("HONA_EXTENSION_ORIGINS")


def test_the_app_refuses_to_start_with_a_bad_extension_origin(tmp_path: Path) -> None:
    bad = run_django("", {**PRODUCTION, "HONA_EXTENSION_ORIGINS": "chrome-extension:"}, tmp_path)
    assert bad.returncode != 0 and "HONA_EXTENSION_ORIGINS must be" in bad.stderr
    good = run_django(
        "from django.conf import settings; print(settings.HONA_EXTENSION_ORIGINS)",
        {**PRODUCTION, "HONA_EXTENSION_ORIGINS": OURS},
        tmp_path,
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == repr([OURS])


# --- No page needs 'unsafe-inline' ---------------------------------------------------------------

INLINE = {
    "an inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "an hx-on handler or js: value (needs eval)": re.compile(r"hx-on[:-]|=\s*['\"]js:", re.I),
}


def test_no_template_needs_unsafe_inline_or_eval() -> None:
    """Pages the browser test cannot reach (the 500 page, rare states) hold to the policy too."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_extension_pages_have_no_inline_script() -> None:
    """Manifest V3 refuses inline script in an extension's own pages."""
    for path in sorted((ROOT / "extension").glob("*.html")):
        text = path.read_text()
        for what in ["an inline event handler", "an inline <script>", "a javascript: URL"]:
            assert not INLINE[what].search(text), f"{path.name}: {what}"
