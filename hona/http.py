"""Typed requests for views: `request.user` is our User and `request.htmx` is django-htmx's."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from hona.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


def safe_next(request: HttpRequest, value: str | None, *, fallback: str = "") -> str:
    """A return address from the browser, kept only when it is a path on this site.

    Anything else (another host, `//host`, `/\\host`, `javascript:`, control characters) gives
    `fallback`, so a crafted link can neither send staff to another site nor run script.
    """
    candidate = (value or "").strip()
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and candidate.isprintable()
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts=None, require_https=request.is_secure()
        )
    ):
        return candidate
    return fallback
