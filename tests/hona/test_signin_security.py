"""Sign-in under attack: guessing passwords, flooding resets, forged hosts, borrowed emails."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from hona.actions import create_staff_user
from hona.models import Organization, User
from hona.throttle import client_ip
from tests.conftest import PASSWORD


def sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# Guessing passwords ------------------------------------------------------------------------------


def test_sixty_wrong_passwords_lock_the_account_so_the_right_one_does_not_sign_in(
    client: Client, colleague: User
) -> None:
    for attempt in range(60):
        sign_in(client, "colleague", f"guess-{attempt}")
    response = sign_in(client, "colleague", PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)
    assert "Sign-in is locked for 15 minutes" in response.text
    assert "ask your firm\u2019s administrator" in response.text


def test_the_lockout_starts_at_the_configured_number_of_failures(
    client: Client, colleague: User, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for attempt in range(2):
        assert sign_in(client, "colleague", f"guess-{attempt}").status_code == 200
    assert sign_in(client, "colleague", "guess-2").status_code == 429
    assert sign_in(client, "colleague", PASSWORD).status_code == 429
    assert not is_signed_in(client)


def test_guessing_by_email_in_any_case_counts_against_the_same_account(
    client: Client, colleague: User
) -> None:
    for attempt, login in enumerate(
        ["colleague", "COLLEAGUE@example.com", "Colleague@Example.COM"]
    ):
        sign_in(client, login, f"guess-{attempt}")
        sign_in(client, login, f"other-{attempt}")
    assert sign_in(client, "colleague@example.com", PASSWORD).status_code == 429
    assert not is_signed_in(client)


def test_a_locked_out_address_does_not_lock_the_same_user_elsewhere(
    client: Client, colleague: User
) -> None:
    for attempt in range(10):
        sign_in(client, "colleague", f"guess-{attempt}", REMOTE_ADDR="203.0.113.9")
    assert sign_in(client, "colleague", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    # The real colleague, in the office, is not locked out by someone guessing elsewhere.
    assert sign_in(client, "colleague", PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302
    assert is_signed_in(client)


def test_the_lockout_counts_the_address_the_app_itself_sees_for_the_client(
    client: Client, colleague: User
) -> None:
    """Axes asks hona.throttle.client_ip, as every rate limit does, whatever the headers say."""
    # Imported here so the rest of this module also runs against code without django-axes.
    from axes.models import AccessAttempt

    factory = RequestFactory()
    seen = set()
    for n in range(3):
        headers = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        sign_in(client, "colleague", f"guess-{n}", **headers)
        seen.add(client_ip(factory.post("/", **headers)))  # type: ignore[arg-type]
    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == seen


def test_a_new_forged_forwarded_address_on_every_guess_still_ends_locked(
    client: Client, colleague: User
) -> None:
    """The attack: a fresh X-Forwarded-For per guess, so each looks like a new client."""
    for attempt in range(60):
        forged = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{attempt}"}
        sign_in(client, "colleague", f"guess-{attempt}", **forged)
    response = sign_in(client, "colleague", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_behind_our_proxy_the_lockout_follows_the_client_it_names(
    client: Client, colleague: User, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(6):
        forged = {"HTTP_X_FORWARDED_FOR": f"6.6.6.{attempt}, 203.0.113.5"}
        sign_in(client, "colleague", f"guess-{attempt}", **forged)
    assert (
        sign_in(client, "colleague", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        == 429
    )
    # Another client, behind the same proxy, is not locked out by the guesser.
    other = sign_in(client, "colleague", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert other.status_code == 302 and is_signed_in(client)


def test_support_unlocking_restores_sign_in(client: Client, colleague: User, support: User) -> None:
    for attempt in range(6):
        sign_in(client, "colleague", f"guess-{attempt}")
    assert sign_in(client, "colleague", PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(support)
    change = admin.get(reverse("admin:hona_user_change", args=[colleague.pk]))
    assert "Locked after too many wrong passwords" in change.text
    response = admin.post(
        reverse("admin:hona_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [colleague.pk]},
        follow=True,
    )
    assert "Sign-in unlocked for 1 user" in response.text

    assert sign_in(client, "colleague", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_a_firm_admin_unlocks_their_own_staff_but_not_another_firms(
    client: Client, owner: User, colleague: User, outsider: User
) -> None:
    for username in ["colleague", "outsider"]:
        for attempt in range(6):
            sign_in(client, username, f"guess-{attempt}")

    admin = Client()
    admin.force_login(owner)
    admin.post(
        reverse("admin:hona_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [colleague.pk, outsider.pk]},
    )
    assert sign_in(client, "colleague", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "outsider", PASSWORD).status_code == 429


def test_only_support_sees_every_firms_failed_sign_ins_in_the_admin(
    client: Client, colleague: User, owner: User, support: User
) -> None:
    sign_in(client, "colleague", "a-wrong-guess")
    attempts = reverse("admin:axes_accessattempt_changelist")
    admin = Client()
    admin.force_login(support)
    assert "colleague" in admin.get(attempts).text
    admin.force_login(owner)
    assert admin.get(attempts).status_code == 403


def test_the_admin_login_page_sends_everyone_to_the_one_sign_in(
    client: Client, owner: User
) -> None:
    response = client.post(
        reverse("admin:login"), {"username": "owner", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not is_signed_in(client)


# Password reset ----------------------------------------------------------------------------------


def test_twenty_reset_requests_for_one_address_send_only_three_emails(
    client: Client, colleague: User
) -> None:
    for _ in range(20):
        response = client.post(reverse("password_reset"), {"email": colleague.email})
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3


def test_resets_in_another_letter_case_share_the_address_limit(
    client: Client, colleague: User
) -> None:
    for email in ["colleague@example.com", "COLLEAGUE@EXAMPLE.COM", "Colleague@example.com"] * 3:
        client.post(reverse("password_reset"), {"email": email})
    assert len(mail.outbox) == 3


def test_one_client_cannot_send_resets_to_many_addresses(
    client: Client, firm: Organization, make_user: Callable[..., User]
) -> None:
    users = [make_user(firm, f"person{n}") for n in range(15)]
    for user in users:
        client.post(reverse("password_reset"), {"email": user.email})
    assert len(mail.outbox) == 10
    # Another client still can: the limit is per client address.
    Client(REMOTE_ADDR="198.51.100.30").post(reverse("password_reset"), {"email": users[-1].email})
    assert len(mail.outbox) == 11


def test_a_throttled_reset_looks_the_same_as_one_that_sent(client: Client, colleague: User) -> None:
    first = client.post(reverse("password_reset"), {"email": colleague.email}, follow=True)
    for _ in range(5):
        last = client.post(reverse("password_reset"), {"email": colleague.email}, follow=True)
    assert last.redirect_chain == first.redirect_chain
    assert last.text == first.text


@pytest.mark.parametrize("forged_host", ["evil.example", "localhost"])
def test_reset_links_use_the_public_base_url_whatever_the_host_header(
    client: Client, colleague: User, settings: Any, forged_host: str
) -> None:
    settings.PUBLIC_BASE_URL = "https://messages.demo-law.example"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example", "messages.demo-law.example"]
    client.post(reverse("password_reset"), {"email": colleague.email}, HTTP_HOST=forged_host)
    assert len(mail.outbox) == 1
    links = re.findall(r"\S+://\S+", str(mail.outbox[0].body))
    assert links, mail.outbox[0].body
    assert all(link.startswith("https://messages.demo-law.example/") for link in links), links


# One email, one account --------------------------------------------------------------------------


@pytest.fixture
def bob(firm: Organization, make_user: Callable[..., User]) -> User:
    return make_user(firm, "bob", email="bob@demo-law.example")


@pytest.mark.parametrize(
    "variant", ["bob@demo-law.example", "BOB@Demo-Law.Example", " Bob@demo-law.example "]
)
def test_another_firms_admin_cannot_give_their_user_bobs_email(
    client: Client, bob: User, outsider: User, other_firm: Organization, variant: str
) -> None:
    client.force_login(outsider)
    response = client.post(
        reverse("admin:hona_user_add"),
        {
            "username": "impostor",
            "email": variant,
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "role": "staff",
        },
    )
    assert response.status_code == 200
    assert "Another account already uses this email address." in response.text
    assert not User.objects.filter(username="impostor").exists()


def test_another_firms_admin_cannot_change_a_users_email_to_bobs(
    client: Client,
    bob: User,
    outsider: User,
    other_firm: Organization,
    make_user: Callable[..., User],
) -> None:
    mine = make_user(other_firm, "mine")
    client.force_login(outsider)
    response = client.post(
        reverse("admin:hona_user_change", args=[mine.pk]),
        {
            "username": "mine",
            "display_name": "Mine",
            "email": "BOB@demo-law.example",
            "role": "staff",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "Another account already uses this email address." in response.text
    mine.refresh_from_db()
    assert mine.email == "mine@example.com"


def test_bob_still_signs_in_with_his_email(client: Client, bob: User) -> None:
    response = sign_in(client, "Bob@Demo-Law.example", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_database_refuses_a_second_account_with_the_same_email(
    bob: User, other_firm: Organization
) -> None:
    with pytest.raises(ValidationError, match="Another account already uses this email"):
        create_staff_user(
            organization=other_firm, username="copy", password=None, email="BOB@demo-law.example"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="raw", organization=other_firm, email="Bob@Demo-Law.Example")
    assert not User.objects.filter(username__in=["copy", "raw"]).exists()


def test_many_accounts_may_have_no_email(firm: Organization) -> None:
    for n in range(3):
        create_staff_user(organization=firm, username=f"noemail{n}", password=None, email="")
    assert User.objects.filter(email="").count() == 3
