"""Small typed readers for environment variables.

Each one rejects a bad value with a message that names the variable and what it expected, so a
misconfigured deployment fails at start-up instead of at the first request that needs the value.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# A Chromium extension's origin: its id is 32 letters from a to p (a hash of its key, in base 16
# written with the letters a-p).
EXTENSION_ORIGIN = re.compile(r"chrome-extension://[a-p]{32}")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class Env:
    """Reads typed values from a mapping (``os.environ`` unless told otherwise)."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source: Mapping[str, str] = os.environ if source is None else source

    def _raw(self, name: str) -> str | None:
        value = self.source.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def optional(self, name: str) -> str | None:
        """The value, or None when unset or blank."""
        return self._raw(name)

    def string(self, name: str, default: str = "") -> str:
        value = self._raw(name)
        return default if value is None else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
        return number

    def strings(self, name: str, default: Sequence[str] = ()) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value not in choices:
            allowed = ", ".join(choices)
            raise ImproperlyConfigured(f"{name} must be one of {allowed}; got {value!r}.")
        return value

    def origin(self, name: str, default: str) -> str:
        """An http(s) origin such as ``https://app.example.com``, without a trailing slash."""
        value = self._raw(name) or default
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{name} must be an http:// or https:// origin such as "
                f"https://messages.example.com, not {value!r}."
            )
        if parts.path not in {"", "/"} or parts.query or parts.fragment:
            raise ImproperlyConfigured(
                f"{name} must be an origin only (scheme and host), without a path: {value!r}."
            )
        return f"{parts.scheme}://{parts.netloc}"

    def extension_origins(self, name: str) -> list[str]:
        """Comma-separated ``chrome-extension://<id>`` origins; none when unset."""
        origins = []
        for item in self.strings(name):
            origin = item.rstrip("/")
            if not EXTENSION_ORIGIN.fullmatch(origin):
                raise ImproperlyConfigured(
                    f"{name} must be a comma-separated list of browser extension origins such as "
                    f"chrome-extension://{'a' * 32} (the id is the 32 letters a-p shown in "
                    f"chrome://extensions), not {item!r}."
                )
            origins.append(origin)
        return origins

    def url(self, name: str, default: str | None, *, schemes: Sequence[str]) -> str | None:
        value = self._raw(name) or default
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.hostname or parts.path):
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}: {value!r}.")
        return value

    def fernet_keys(self, name: str) -> list[str]:
        """Comma-separated Fernet keys, newest first (the first encrypts, every one decrypts)."""
        from cryptography.fernet import Fernet

        keys = self.strings(name)
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ImproperlyConfigured(
                    f"{name}: key {position} is not a Fernet key (32 url-safe base64 bytes). "
                    'Generate one with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"'
                ) from None
            if looks_like_placeholder(key):
                raise ImproperlyConfigured(f"{name}: key {position} looks like a placeholder.")
        if len(set(keys)) != len(keys):
            raise ImproperlyConfigured(f"{name} lists the same key twice.")
        return keys

    def timezone(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        if value not in zoneinfo.available_timezones():
            raise ImproperlyConfigured(
                f"{name} must be an IANA time zone such as America/New_York, not {value!r}."
            )
        return value


# Words that only a placeholder contains; a generated key holds none of them (6+ letters each, so
# a random key would contain one about once in ten million).
PLACEHOLDER_WORDS = (
    "change",
    "example",
    "placeholder",
    "replace",
    "insecure",
    "secret-key",
    "secret_key",
    "secretkey",
    "random-string",
    "generate",
    "not-used",
)
SECRET_MIN_LENGTH = 50
SECRET_MIN_DISTINCT = 16


def looks_like_placeholder(value: str) -> bool:
    """A key that a person typed or copied from documentation, rather than generated."""
    lowered = value.lower()
    return any(word in lowered for word in PLACEHOLDER_WORDS) or (
        len(set(value)) < SECRET_MIN_DISTINCT
    )


def check_secret(name: str, value: str) -> str:
    """A generated secret, or a start-up error that says how to make one."""
    how = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    if len(value) < SECRET_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{name} must be at least {SECRET_MIN_LENGTH} characters long. {how}"
        )
    if looks_like_placeholder(value):
        raise ImproperlyConfigured(
            f"{name} looks like a placeholder (such as the one in .env.example), and anyone who "
            f"has read it could forge this site's signed links. {how}"
        )
    return value


def is_loopback_host(hostname: str | None) -> bool:
    return hostname in {"localhost", "127.0.0.1", "::1", "[::1]"} or bool(
        hostname and hostname.startswith("127.")
    )


def file_storage(env: Env) -> dict[str, Any]:
    """STORAGES["default"]: local disk, or with STORAGE_BACKEND=s3 a private S3-compatible bucket
    (hona/storage.py) named by django-storages' usual variables."""
    if env.choice("STORAGE_BACKEND", ["local", "s3"], default="local") == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = env.optional("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        raise ImproperlyConfigured(
            "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME: the bucket that keeps the files."
        )
    access_key = env.optional("AWS_ACCESS_KEY_ID")
    secret_key = env.optional("AWS_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use the "
            "host's own AWS role or profile)."
        )
    return {
        "BACKEND": "hona.storage.AttachmentStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.url("AWS_S3_ENDPOINT_URL", None, schemes=["https", "http"]),
            "region_name": env.optional("AWS_S3_REGION_NAME"),
            "access_key": access_key,
            "secret_key": secret_key,
            # Private: no ACL on any object, and a link to the bucket, if one is ever made, is
            # signed and short-lived. People and Twilio get files through our views only.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two files of the same name in one thread stay two files, as on disk.
            "file_overwrite": False,
        },
    }
