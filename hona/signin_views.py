"""Signing in: password, then (for those who use it) the code; lockouts; password reset."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from hona import actions, two_factor
from hona.forms import SecondFactorForm, StaffAuthenticationForm, StaffPasswordResetForm
from hona.models import User
from hona.throttle import allow, client_ip

log = logging.getLogger("hona.security")


def axes_client_ip(request: HttpRequest) -> str | None:
    """The client address for django-axes: the app's own `client_ip`, as an address or nothing.

    Axes stores it in an address column (inet on PostgreSQL), so a value that is not an address
    (a request built by hand, as in tests) is stored as unknown instead of breaking sign-in.
    """
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class SignInView(auth_views.LoginView):
    """Django's sign-in, with a second step for whoever has set up two-factor sign-in."""

    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_two_factor(user):
            two_factor.begin_pending_sign_in(self.request, user, next_url=self.get_success_url())
            return HttpResponseRedirect(two_factor.url_with_next("two-factor-verify", None))
        response: HttpResponse = super().form_valid(form)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["two_factor_demo_notice"] = not settings.TWO_FACTOR_REQUIRED_FOR_ADMINS
        return context


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers once a username has failed too often from this address.

    The same page whether or not the username exists, and the right password changes nothing.
    """
    username = ""
    if isinstance(credentials, dict):
        username = str(credentials.get("username") or "")
    form = StaffAuthenticationForm(request, initial={"username": request.POST.get("username")})
    context = {
        "form": form,
        "locked_minutes": settings.SIGN_IN_LOCKOUT_MINUTES,
        "two_factor_demo_notice": not settings.TWO_FACTOR_REQUIRED_FOR_ADMINS,
        "next": request.POST.get("next", ""),
    }
    log.warning("sign-in locked for %r after repeated failures", username)
    return render(request, "registration/login.html", context, status=429)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("code")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    pending: two_factor.PendingSignIn | None = None
    signed_in = request.user if isinstance(request.user, User) else None
    if signed_in is not None and signed_in.is_authenticated:
        # Signed in earlier without a code (before setting it up, say); a page now needs one.
        next_url = _safe_next(request, request.GET.get("next"))
        if two_factor.is_verified(signed_in):
            return redirect(next_url)
        if not two_factor.has_two_factor(signed_in):
            return redirect(two_factor.url_with_next("two-factor-setup", next_url))
        user = signed_in
    else:
        pending = two_factor.pending_sign_in(request)
        if pending is None:
            messages.info(request, "Sign in again: the code step has expired.")
            return redirect("login")
        user, next_url = pending.user, pending.next_url

    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = actions.verify_second_factor(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            if pending is not None:
                two_factor.clear_pending_sign_in(request)
                auth_login(request, user, backend=pending.backend)
            django_otp.login(request, check.device)
            if check.used_recovery_code:
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. "
                    "Make new ones in Settings → Two-factor sign-in.",
                )
            return redirect(next_url)
        if check.retry_after is not None:
            form.add_error(
                None,
                "Too many wrong codes. Wait a little, then try again with a new code.",
            )
        else:
            form.add_error(
                None,
                "That code didn\u2019t work. Enter the 6-digit code your app shows now, "
                "or one of your recovery codes.",
            )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "signed_in": pending is None},
    )


class StaffPasswordResetView(auth_views.PasswordResetView):
    """Django's reset, throttled per address and per client so it cannot flood an inbox.

    Over either limit the visitor sees the same "check your email" page and nothing is sent, so
    the answer never tells whether an address has an account.
    """

    form_class = StaffPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        address_key = hashlib.sha256(email.encode()).hexdigest()
        per_ip = allow(
            f"password-reset:ip:{client_ip(self.request)}",
            limit=settings.PASSWORD_RESET_LIMIT_PER_IP,
            window=3600,
        )
        per_email = allow(
            f"password-reset:email:{address_key}",
            limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
            window=3600,
        )
        if per_ip and per_email:
            return super().form_valid(form)
        log.warning("password reset throttled (%s)", "address" if per_ip else "client")
        return HttpResponseRedirect(self.get_success_url())
