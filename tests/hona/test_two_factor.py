"""Two-factor sign-in: who must use it, the code step, setting it up, recovery codes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hona import actions
from hona.models import Organization, User
from hona.two_factor import PENDING_SESSION_KEY
from tests.conftest import PASSWORD

SETUP = reverse("two-factor-setup")
VERIFY = reverse("two-factor-verify")


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's phone shows now (or `steps_ahead` periods of 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator app for `user` as the set-up page does; its recovery codes."""
    device = actions.start_authenticator_setup(user=user)
    codes = actions.confirm_authenticator(user=user, device=device, code=code_for(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def password_step(client: Client, username: str, **data: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, **data})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def sign_in_with_code(client: Client, user: User, device: TOTPDevice) -> Any:
    assert password_step(client, user.username)["Location"] == VERIFY
    return client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})


# Who must use it --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/hona/user/", "/settings/integration/"])
def test_a_firm_admin_without_two_factor_is_sent_to_set_it_up_before_admin_pages(
    client: Client, owner: User, admin_two_factor: None, path: str
) -> None:
    client.force_login(owner)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}"
    page = client.get(response["Location"])
    assert "Firm administration needs two-factor sign-in." in page.text


def test_a_firm_admin_opens_the_admin_after_signing_in_with_a_code(
    client: Client, owner: User, admin_two_factor: None
) -> None:
    device, _ = enrol(owner)
    assert password_step(client, "owner")["Location"] == VERIFY
    assert not is_signed_in(client)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(reverse("login"))

    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert is_signed_in(client)
    assert client.get("/admin/").status_code == 200
    assert client.get("/settings/integration/").status_code == 200


def test_a_firm_admin_session_without_the_code_is_asked_for_it_at_the_admin(
    client: Client, owner: User, admin_two_factor: None
) -> None:
    device, _ = enrol(owner)
    client.force_login(owner)  # a session from before the app was set up, say
    response = client.get("/admin/")
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    response = client.post(response["Location"], {"code": code_for(device, steps_ahead=1)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_support_needs_a_code_for_the_admin_too(
    client: Client, support: User, admin_two_factor: None
) -> None:
    client.force_login(support)
    assert client.get("/admin/")["Location"].startswith(SETUP)
    device, _ = enrol(support)
    response = client.get("/admin/")
    assert response["Location"].startswith(VERIFY)
    client.post(response["Location"], {"code": code_for(device, steps_ahead=1)})
    assert client.get("/admin/").status_code == 200


def test_firm_admins_without_two_factor_still_use_the_product(
    client: Client, owner: User, admin_two_factor: None
) -> None:
    client.force_login(owner)
    assert client.get(reverse("messaging:conversation-list")).status_code == 200
    assert client.get(reverse("settings")).status_code == 200


def test_with_the_demo_setting_off_firm_admins_open_the_admin_with_a_password(
    client: Client, owner: User
) -> None:
    password_step(client, "owner")
    assert client.get("/admin/").status_code == 200
    page = Client().get(reverse("login"))
    assert "Two-factor sign-in is off in this demo" in page.text


def test_the_sign_in_page_says_nothing_of_a_demo_when_two_factor_is_required(
    client: Client, db: None, admin_two_factor: None
) -> None:
    assert "off in this demo" not in client.get(reverse("login")).text


def test_a_firm_that_requires_two_factor_sends_its_staff_to_set_it_up(
    client: Client, firm: Organization, colleague: User, outsider: User
) -> None:
    firm.require_two_factor = True
    firm.save(update_fields=["require_two_factor"])
    client.force_login(colleague)
    response = client.get(reverse("messaging:conversation-list"))
    assert response["Location"] == f"{SETUP}?next=%2Fconversations%2F"
    assert "Your firm requires two-factor sign-in for everyone." in client.get(SETUP).text
    # An htmx request is redirected as a whole page, not swapped into a fragment.
    fragment = client.get(reverse("notifications:badge"), headers={"HX-Request": "true"})
    assert fragment["HX-Redirect"].startswith(SETUP)

    device = actions.start_authenticator_setup(user=colleague)
    response = client.post(SETUP, {"code": code_for(device), "next": "/conversations/"})
    assert response.status_code == 200
    assert client.get(reverse("messaging:conversation-list")).status_code == 200

    # The other firm does not require it.
    other = Client()
    other.force_login(outsider)
    assert other.get(reverse("messaging:conversation-list")).status_code == 200


def test_a_firm_that_requires_two_factor_asks_its_staff_for_the_code_at_sign_in(
    client: Client, firm: Organization, colleague: User
) -> None:
    device, _ = enrol(colleague)
    firm.require_two_factor = True
    firm.save(update_fields=["require_two_factor"])
    client.force_login(colleague)
    assert client.get(reverse("projects:project-list"))["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert client.get(reverse("projects:project-list")).status_code == 200


def test_a_firm_admin_can_require_two_factor_for_the_whole_firm(
    client: Client, owner: User, firm: Organization
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("admin:hona_organization_change", args=[firm.pk]),
        {
            "name": firm.name,
            "timezone": firm.timezone,
            "sms_per_second": "3",
            "new_conversations_per_hour": "200",
            "messages_per_hour": "600",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "08:00",
            "require_two_factor": "on",
        },
    )
    assert response.status_code == 302, response.text
    firm.refresh_from_db()
    assert firm.require_two_factor


# Optional for everyone else -----------------------------------------------------------------------


def test_staff_without_two_factor_sign_in_with_a_password(client: Client, colleague: User) -> None:
    response = password_step(client, "colleague")
    assert response["Location"] == reverse("home")
    assert is_signed_in(client)


def test_staff_who_set_it_up_are_not_signed_in_until_they_give_the_code(
    client: Client, colleague: User
) -> None:
    enrol(colleague)
    assert password_step(client, "colleague")["Location"] == VERIFY
    assert not is_signed_in(client)
    response = client.get(reverse("messaging:conversation-list"))
    assert response["Location"].startswith(reverse("login"))


def test_a_wrong_code_is_refused_with_a_clear_message(client: Client, colleague: User) -> None:
    device, _ = enrol(colleague)
    password_step(client, "colleague")
    wrong = f"{(int(code_for(device, 1)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code didn\u2019t work." in response.text
    assert not is_signed_in(client)


def test_after_a_wrong_code_django_otp_makes_the_next_try_wait(
    client: Client, colleague: User
) -> None:
    device, _ = enrol(colleague)
    password_step(client, "colleague")
    client.post(VERIFY, {"code": "000000" if code_for(device, 1) != "000000" else "111111"})
    # The wrong code's wait (one second) counts from now, however slowly this machine runs.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert "Too many wrong codes" in response.text
    assert not is_signed_in(client)
    # A little later (django-otp doubles the wait after each wrong code), the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert is_signed_in(client)


def test_a_code_cannot_be_used_twice(client: Client, colleague: User) -> None:
    device, _ = enrol(colleague)
    code = code_for(device, steps_ahead=1)
    sign_in_with_code(client, colleague, device)
    client.post(reverse("logout"))
    password_step(client, "colleague")
    response = client.post(VERIFY, {"code": code})
    assert "That code didn\u2019t work." in response.text
    assert not is_signed_in(client)


def test_a_recovery_code_signs_in_once(client: Client, colleague: User) -> None:
    _, codes = enrol(colleague)
    password_step(client, "colleague")
    response = client.post(
        VERIFY, {"code": f" {codes[0][:4]}-{codes[0][4:].upper()} "}, follow=True
    )
    assert is_signed_in(client)
    assert "You signed in with a recovery code; 9 left." in response.text

    client.post(reverse("logout"))
    password_step(client, "colleague")
    response = client.post(VERIFY, {"code": codes[0]})
    assert "That code didn\u2019t work." in response.text
    assert not is_signed_in(client)


def test_the_code_step_expires_after_five_minutes(client: Client, colleague: User) -> None:
    device, _ = enrol(colleague)
    password_step(client, "colleague")
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "at": int(time.time()) - 301}
    session.save()
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert response["Location"] == reverse("login")
    assert not is_signed_in(client)


def test_the_code_step_is_worthless_once_the_password_changed(
    client: Client, colleague: User
) -> None:
    device, _ = enrol(colleague)
    password_step(client, "colleague")
    colleague.set_password("a-new-password-chosen-meanwhile")
    colleague.save()
    client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert not is_signed_in(client)


def test_the_code_step_returns_to_the_page_asked_for_but_never_off_site(
    client: Client, colleague: User
) -> None:
    device, _ = enrol(colleague)
    password_step(client, "colleague", next="/projects/")
    assert client.post(VERIFY, {"code": code_for(device, 1)})["Location"] == "/projects/"

    other = Client()
    password_step(other, "colleague", next="https://evil.example/")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same phone, a new sign-in
    assert other.post(VERIFY, {"code": code_for(device, 1)})["Location"] == reverse("home")


def test_without_a_pending_sign_in_the_code_step_sends_to_sign_in(client: Client, db: None) -> None:
    assert client.get(VERIFY)["Location"] == reverse("login")


# Setting it up ---------------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_key_without_inline_script_or_style(
    client: Client, colleague: User
) -> None:
    client.force_login(colleague)
    page = client.get(SETUP).text
    device = TOTPDevice.objects.get(user=colleague, confirmed=False)
    assert re.search(r'<svg class="qr-code"[^>]*role="img"', page)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    shown = re.search(r'id="two-factor-secret">([^<]+)<', page)
    assert shown and shown.group(1).replace(" ", "") == secret
    assert " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)
    # Reloading the page keeps the key already scanned.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=colleague).count() == 1


def test_a_wrong_code_at_setup_turns_nothing_on(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=colleague)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert "That code didn\u2019t match." in response.text
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=colleague).exists()
    assert client.post(SETUP, {"code": "12ab56"}).status_code == 200


def test_confirming_setup_shows_ten_recovery_codes_once(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=colleague)
    response = client.post(SETUP, {"code": code_for(device)})
    shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.text)
    assert len(shown) == 10
    stored = set(StaticToken.objects.filter(device__user=colleague).values_list("token", flat=True))
    assert {code.replace("-", "") for code in shown} == stored
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(reverse("two-factor")).text
    assert "10 unused" in page
    assert not re.search(r"<code>[a-z2-7]{4}-[a-z2-7]{4}</code>", page)


def test_changing_an_existing_setup_needs_a_session_that_gave_a_code(
    client: Client, colleague: User
) -> None:
    _, codes = enrol(colleague)
    client.force_login(colleague)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    refused = client.post(reverse("two-factor-recovery-codes"))
    assert refused["Location"] == f"{VERIFY}?next=%2Fsettings%2Ftwo-factor%2F"
    assert client.post(reverse("two-factor-turn-off"))["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=colleague, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=colleague).count() == len(codes)


def test_new_recovery_codes_replace_the_old_ones(client: Client, colleague: User) -> None:
    device, old_codes = enrol(colleague)
    sign_in_with_code(client, colleague, device)
    response = client.post(reverse("two-factor-recovery-codes"))
    new_codes = {
        c.replace("-", "") for c in re.findall(r"<code>([a-z2-7-]{9})</code>", response.text)
    }
    assert len(new_codes) == 10
    stored = set(StaticToken.objects.filter(device__user=colleague).values_list("token", flat=True))
    assert stored == new_codes
    assert not stored & set(old_codes)


def test_staff_may_turn_it_off_but_a_firm_admin_may_not(
    client: Client, colleague: User, owner: User, admin_two_factor: None
) -> None:
    device, _ = enrol(colleague)
    sign_in_with_code(client, colleague, device)
    client.post(reverse("two-factor-turn-off"))
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert password_step(Client(), "colleague")["Location"] == reverse("home")

    admin_device, _ = enrol(owner)
    admin = Client()
    sign_in_with_code(admin, owner, admin_device)
    response = admin.post(reverse("two-factor-turn-off"), follow=True)
    assert "it stays on" in response.text
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_settings_show_whether_two_factor_is_on(client: Client, colleague: User) -> None:
    client.force_login(colleague)
    assert "Set up two-factor sign-in" in client.get(reverse("settings")).text
    enrol(colleague)
    assert "Manage two-factor sign-in" in client.get(reverse("settings")).text


def test_a_firm_admin_resets_two_factor_for_their_staff_only(
    client: Client, owner: User, colleague: User, outsider: User
) -> None:
    enrol(colleague)
    enrol(outsider)
    client.force_login(owner)
    client.post(
        reverse("admin:hona_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [colleague.pk, outsider.pk]},
    )
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert not StaticToken.objects.filter(device__user=colleague).exists()
    assert TOTPDevice.objects.filter(user=outsider, confirmed=True).exists()


def test_the_user_admin_shows_two_factor_status(
    client: Client, owner: User, colleague: User, make_user: Callable[..., User], firm: Organization
) -> None:
    enrol(colleague)
    plain = make_user(firm, "plain")
    client.force_login(owner)
    page = client.get(reverse("admin:hona_user_change", args=[colleague.pk])).text
    assert "On (authenticator app; 10 recovery codes left)" in page
    page = client.get(reverse("admin:hona_user_change", args=[plain.pk])).text
    assert "Not set up" in page
