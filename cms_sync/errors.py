from __future__ import annotations


class FilingUnavailable(Exception):
    """Try again later (5xx, timeout, 429 — with the CMS's Retry-After when it gave one)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FilingRejected(Exception):
    """The CMS refused the entry for a reason a retry will not change."""
