"""Why a filing did not happen (yet): a code beside the words, raised by the adapters."""

from __future__ import annotations

from django.db import models


class FilingError(models.TextChoices):
    UNREACHABLE = "unreachable", "The CMS could not be reached"
    SERVER_ERROR = "server_error", "The CMS answered with an error"
    RATE_LIMITED = "rate_limited", "The CMS asked us to slow down"
    GAVE_UP = "gave_up", "Unreachable through every retry"
    NOT_ACTIVE = "not_active", "The integration is not active"
    TOKEN_EXPIRED = "token_expired", "The CMS no longer accepts Hona's access"
    NOT_FOUND = "not_found", "The CMS does not know the case"
    FORBIDDEN = "forbidden", "Hona's access does not allow it"
    REFUSED = "refused", "The CMS refused the entry"
    UNSAFE_URL = "unsafe_url", "The webhook URL is not a public https address"
    HOST_UNKNOWN = "host_unknown", "The webhook's host name was not found"
    REDIRECT = "redirect", "The webhook answered with a redirect"
    TLS = "tls", "The webhook's TLS certificate was not accepted"
    URL_REFUSED = "url_refused", "An address that is not the CMS's was refused"


def for_status(status: int) -> FilingError:
    """The code for a CMS's refusal with this HTTP status."""
    if status in {401, 403}:
        return FilingError.FORBIDDEN
    if status == 404:
        return FilingError.NOT_FOUND
    return FilingError.REFUSED


class FilingUnavailable(Exception):
    """Try again later (5xx, timeout, 429 — with the CMS's Retry-After when it gave one)."""

    def __init__(
        self,
        message: str,
        *,
        code: FilingError = FilingError.UNREACHABLE,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class FilingRejected(Exception):
    """The CMS refused the entry for a reason a retry will not change."""

    def __init__(self, message: str, *, code: FilingError = FilingError.REFUSED) -> None:
        super().__init__(message)
        self.code = code
