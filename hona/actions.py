"""Writes for firms and their staff, and for how staff sign in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from axes.utils import reset as reset_axes_attempts
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hona.models import Organization, User

log = logging.getLogger("hona.security")
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


@transaction.atomic
def create_organization(
    *, name: str, sms_number: str = "", timezone: str = "America/New_York"
) -> Organization:
    organization = Organization(name=name, sms_number=sms_number, timezone=timezone)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def create_staff_user(
    *,
    organization: Organization,
    username: str,
    password: str | None,
    role: str = User.Role.STAFF,
    display_name: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User(
        organization=organization,
        username=username,
        role=role,
        display_name=display_name,
        email=email.strip(),
        first_name=first_name,
        last_name=last_name,
    )
    sync_admin_site_access(user)
    # Clear errors (a one-line name, a taken email) before the database says so.
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def sync_admin_site_access(user: User) -> None:
    """Firm admins (and support) may use the admin site; plain staff may not."""
    user.is_staff = user.is_superuser or user.role == User.Role.FIRM_ADMIN


def unlock_sign_in(*, user: User) -> int:
    """Lift the lockout after failed passwords for this user, from every address."""
    removed = reset_axes_attempts(username=user.get_username())
    log.info("sign-in unlocked for user %s (%d lockout records removed)", user.pk, removed)
    return removed


@transaction.atomic
def start_authenticator_setup(*, user: User) -> TOTPDevice:
    """The not yet confirmed authenticator whose QR code the set-up page shows.

    Reused until confirmed, so reloading the page keeps the code already scanned.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_authenticator(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Turn on two-factor sign-in once the app shows the right code; the new recovery codes.

    None when the code is wrong (nothing changes). The new app replaces any earlier one.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _replace_recovery_codes(user)
    log.info("two-factor sign-in turned on for user %s", user.pk)
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """New single-use recovery codes; the old ones stop working."""
    codes = _replace_recovery_codes(user)
    log.info("recovery codes regenerated for user %s", user.pk)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def turn_off_two_factor(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes (their choice, or an admin's reset)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    log.info("two-factor sign-in turned off for user %s", user.pk)


@dataclass(frozen=True)
class SecondFactorCheck:
    device: Device | None
    used_recovery_code: bool = False
    retry_after: datetime | None = None  # set when too many wrong codes: django-otp's back-off


@transaction.atomic
def verify_second_factor(*, user: User, code: str) -> SecondFactorCheck:
    """Check a 6-digit code from the app, or a recovery code (used up by this check).

    The device rows are locked, so two requests cannot both use one code, and django-otp's
    throttle (a doubling wait after each wrong code) counts every attempt.
    """
    code = "".join(code.split()).replace("-", "").lower()
    is_app_code = code.isdigit() and len(code) == 6
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if is_app_code else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return SecondFactorCheck(None, retry_after=(details or {}).get("locked_until"))
        if device.verify_token(code):
            return SecondFactorCheck(device, used_recovery_code=not is_app_code)
    return SecondFactorCheck(None)
