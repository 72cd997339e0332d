"""Encryption at rest for CMS tokens and webhook secrets (Fernet: AES with an HMAC).

CMS_ENCRYPTION_KEYS lists the keys newest first: the first encrypts, each one decrypts. Rotating
means putting a new key in front, running `manage.py rotate_cms_keys` (which re-encrypts every
stored secret with it), then dropping the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UnreadableSecret(ValueError):
    """None of the configured keys opens this value: a key it was made with was dropped."""


def _keys() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CMS_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _keys().decrypt(value.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("The stored secret cannot be read with the current keys.") from None


def rotate(value: str) -> str:
    """The same secret, encrypted with the newest key (unchanged when it is empty)."""
    if not value:
        return ""
    try:
        return _keys().rotate(value.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("The stored secret cannot be read with the current keys.") from None
