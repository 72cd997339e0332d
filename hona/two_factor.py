"""Two-factor sign-in: who must pass a second factor, for which pages, and the sign-in in between.

The policy lives here and only here (TwoFactorMiddleware asks `requirement_for`):
- a firm with `require_two_factor` on: every staff member, on every page;
- firm admins and support (superusers), on the admin site and the firm-admin product pages
  (settings.TWO_FACTOR_ADMIN_PATHS), whenever settings.TWO_FACTOR_REQUIRED_FOR_ADMINS is on — it is
  whenever DJANGO_DEBUG is off;
- anyone else: optional. Whoever has set it up is asked for a code at every sign-in (see
  hona.signin_views), whatever the policy says.
A user who must have it but has not set it up yet is sent to set it up, never locked out.

Between the password and the code, the session holds a *pending* sign-in (the user's id, the
backend and when the password was right), never an authenticated user: skipping the code step
leaves the visitor signed out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hona.models import User

# Pages a signed-in user reaches without a second factor, whatever the policy: the ways in and
# out, the code and set-up steps themselves, and what never belongs to a staff session (static
# files, the health check, Twilio's webhooks, the client portal and its signed file links).
EXEMPT_PATH_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/password_reset/",
    "/accounts/reset/",
    "/settings/two-factor/",
    "/static/",
    "/healthz/",
    "/webhooks/",
    "/p/",
    "/portal/",
    "/media/",
    "/files/",
    "/cms-files/",
)

PENDING_SESSION_KEY = "hona_two_factor_pending"
# The code step must follow the password step soon; after this the password is asked again.
PENDING_MAX_AGE_SECONDS = 5 * 60


class Requirement(models.TextChoices):
    FIRM = "firm", "Your firm requires two-factor sign-in for everyone."
    ADMIN = "admin", "Firm administration needs two-factor sign-in."


def is_exempt(path: str) -> bool:
    return path.startswith(EXEMPT_PATH_PREFIXES)


def requirements_of(user: User) -> list[Requirement]:
    """Why this user must use two-factor sign-in somewhere (empty: it is their choice)."""
    reasons = []
    organization = user.organization if user.organization_id else None
    if organization is not None and organization.require_two_factor:
        reasons.append(Requirement.FIRM)
    if settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and (user.is_superuser or user.is_firm_admin):
        reasons.append(Requirement.ADMIN)
    return reasons


def requirement_for(user: User, path: str) -> Requirement | None:
    """Why this user must have passed a second factor to open `path`, or None."""
    if is_exempt(path):
        return None
    for reason in requirements_of(user):
        if reason == Requirement.FIRM:
            return reason
        if path.startswith(tuple(settings.TWO_FACTOR_ADMIN_PATHS)):
            return reason
    return None


def authenticator_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_verified(user: Any) -> bool:
    """True when this session passed the second factor (django-otp's OTPMiddleware decides)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    backend: str
    next_url: str


def begin_pending_sign_in(request: HttpRequest, user: User, *, next_url: str) -> None:
    """The password was right; remember whose code to ask for, without signing anyone in."""
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[-1]
    request.session.cycle_key()  # a new session id once the password has been checked
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": backend,
        "at": int(time.time()),
        "next": next_url,
        # A password changed (or reset) in between makes the pending sign-in worthless.
        "auth_hash": user.get_session_auth_hash(),
    }


def pending_sign_in(request: HttpRequest) -> PendingSignIn | None:
    data = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_MAX_AGE_SECONDS:
        clear_pending_sign_in(request)
        return None
    if data.get("backend") not in settings.AUTHENTICATION_BACKENDS:
        clear_pending_sign_in(request)
        return None
    user_id = data.get("user_id")
    if not isinstance(user_id, int):
        clear_pending_sign_in(request)
        return None
    user = User.objects.select_related("organization").filter(pk=user_id, is_active=True).first()
    if user is None or user.get_session_auth_hash() != data.get("auth_hash"):
        clear_pending_sign_in(request)
        return None
    return PendingSignIn(user=user, backend=str(data["backend"]), next_url=str(data["next"]))


def clear_pending_sign_in(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def url_with_next(name: str, next_url: str | None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorMiddleware:
    """Sends a signed-in user who must pass a second factor here, and has not, to do so.

    Goes after django-otp's OTPMiddleware (which tells whether this session passed it). Costs no
    query for anyone the policy does not concern on this page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_exempt(request.path_info):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            reason = requirement_for(user, request.path_info)
            if reason is not None and not is_verified(user):
                return self.second_factor_first(request, user)
        return self.get_response(request)

    def second_factor_first(self, request: HttpRequest, user: User) -> HttpResponse:
        next_url = request.get_full_path() if request.method == "GET" else None
        if has_two_factor(user):
            target = url_with_next("two-factor-verify", next_url)
        else:
            target = url_with_next("two-factor-setup", next_url)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
