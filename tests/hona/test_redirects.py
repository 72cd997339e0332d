"""Every view that takes a return address keeps it on this site, as a path.

A crafted link (in a client's text, an email, another site) must neither send a signed-in staff
member to another site nor run script in their session.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hona.models import User
from messaging.models import Message, MessageTemplate, Thread
from notifications.models import Notification
from tests.conftest import PASSWORD, write

HOSTILE = [
    "javascript:alert(document.cookie)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "http:/evil.example",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
]
# Control characters are refused too (Django's own sign-in views keep such a path on this site).
OURS = [*HOSTILE, "/\x00//evil.example", "/templates/\r\nSet-Cookie: x=1"]


def cancel_href(html: str) -> str:
    found = re.search(r'<a class="btn btn-secondary" href="([^"]*)">Cancel</a>', html)
    assert found, "the form has a Cancel link"
    return found.group(1)


@pytest.fixture
def notice(colleague: User, thread: Thread) -> Notification:
    message = write(thread, colleague, "Hello", status=Message.Status.FAILED)
    return Notification.objects.create(
        user=colleague,
        kind=Notification.Kind.DELIVERY_FAILED,
        thread=thread,
        message=message,
        title="Not delivered",
    )


@pytest.mark.parametrize("target", OURS)
def test_the_new_template_cancel_link_never_points_off_site(
    client: Client, colleague: User, target: str
) -> None:
    client.force_login(colleague)
    html = client.get(reverse("messaging:template-create"), {"next": target}).text
    assert cancel_href(html) == reverse("messaging:template-list")
    assert 'name="next"' not in html.split('class="form"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize("target", OURS)
def test_saving_a_template_never_redirects_off_site(
    client: Client, colleague: User, target: str
) -> None:
    client.force_login(colleague)
    response = client.post(
        reverse("messaging:template-create"),
        {"name": f"T {OURS.index(target)}", "body": "Hi", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:template-list")


def test_a_template_made_from_the_composer_returns_to_the_thread(
    client: Client, colleague: User, thread: Thread
) -> None:
    client.force_login(colleague)
    back = reverse("messaging:thread-detail", args=[thread.pk])
    form = client.get(reverse("messaging:template-create"), {"next": back}).text
    assert cancel_href(form) == back
    response = client.post(
        reverse("messaging:template-create"), {"name": "Docs", "body": "Hi", "next": back}
    )
    made = MessageTemplate.objects.get(name="Docs")
    # Back to the thread, which inserts the new template at the caret of the kept draft.
    assert response["Location"] == f"{back}?template={made.pk}"


@pytest.mark.parametrize("target", OURS)
def test_marking_a_notice_read_never_redirects_off_site(
    client: Client, colleague: User, notice: Notification, target: str
) -> None:
    client.force_login(colleague)
    response = client.post(
        reverse("notifications:notification-read", args=[notice.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:unread-list")


def test_marking_a_notice_read_returns_to_the_page_it_was_on(
    client: Client, colleague: User, notice: Notification
) -> None:
    client.force_login(colleague)
    back = reverse("notifications:center") + "?page=2"
    response = client.post(
        reverse("notifications:notification-read", args=[notice.pk]), {"next": back}
    )
    assert response["Location"] == back


@pytest.mark.parametrize("target", OURS)
def test_dismissing_the_welcome_banner_never_redirects_off_site(
    client: Client, colleague: User, target: str
) -> None:
    client.force_login(colleague)
    response = client.post(reverse("notifications:dismiss-banner"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_never_redirects_off_site(client: Client, colleague: User, target: str) -> None:
    response = client.post(
        reverse("login") + "?next=" + target,
        {"username": colleague.username, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_out_never_redirects_off_site(client: Client, colleague: User, target: str) -> None:
    client.force_login(colleague)
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
