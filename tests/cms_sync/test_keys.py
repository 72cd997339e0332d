"""The keys that encrypt CMS secrets at rest: their own, rotatable, never the site's secret key."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from cms_sync import actions as cms
from cms_sync.crypto import UnreadableSecret, decrypt
from cms_sync.models import Integration
from hona.models import Organization, User
from tests.fakes.dns import FakeDns

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _public_hooks(dns: FakeDns) -> None:
    dns.point("hooks.demo-law.example", ["93.184.215.14"])
    dns.point("hooks.second.example", ["93.184.215.15"])


@pytest.fixture
def webhook(settings: Any, firm: Organization, owner: User) -> Integration:
    settings.CMS_ENCRYPTION_KEYS = [OLD]
    integration, _ = cms.connect_webhook(
        organization=firm,
        user=owner,
        url="https://hooks.demo-law.example/hona",
        secret="the-webhook-signing-secret",
    )
    return integration


def test_stored_secrets_do_not_depend_on_the_site_secret_key(
    settings: Any, webhook: Integration
) -> None:
    settings.SECRET_KEY = "a-different-site-key-after-a-rotation-" + "Zk2Yb7Nc4Hf6Jd1Ps5"
    webhook.refresh_from_db()
    assert decrypt(webhook.secret_encrypted) == "the-webhook-signing-secret"


def test_rotating_re_encrypts_every_secret_with_the_new_key(
    settings: Any, webhook: Integration, capsys: Any
) -> None:
    settings.CMS_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_cms_keys")
    assert "Re-encrypted the secrets of 1 integration" in capsys.readouterr().out

    settings.CMS_ENCRYPTION_KEYS = [NEW]  # the old key is gone: nothing stored needed it
    webhook.refresh_from_db()
    assert decrypt(webhook.secret_encrypted) == "the-webhook-signing-secret"
    settings.CMS_ENCRYPTION_KEYS = [OLD]
    with pytest.raises(UnreadableSecret):
        decrypt(webhook.secret_encrypted)


def test_before_rotating_both_keys_open_what_is_stored(settings: Any, webhook: Integration) -> None:
    settings.CMS_ENCRYPTION_KEYS = [NEW, OLD]
    webhook.refresh_from_db()
    assert decrypt(webhook.secret_encrypted) == "the-webhook-signing-secret"


def test_rotation_names_integrations_no_key_opens_and_changes_nothing_of_theirs(
    settings: Any, webhook: Integration, make_org: Any, make_user: Any
) -> None:
    other_firm = make_org("Second Firm")
    settings.CMS_ENCRYPTION_KEYS = [NEW]
    readable, _ = cms.connect_webhook(
        organization=other_firm,
        user=make_user(other_firm, role=User.Role.FIRM_ADMIN),
        url="https://hooks.second.example/hona",
        secret="second-secret",
    )
    stored = Integration.objects.get(pk=webhook.pk).secret_encrypted
    with pytest.raises(CommandError, match=f"integration\\(s\\) {webhook.pk}\\b"):
        call_command("rotate_cms_keys")
    assert Integration.objects.get(pk=webhook.pk).secret_encrypted == stored
    readable.refresh_from_db()
    assert decrypt(readable.secret_encrypted) == "second-secret"
