"""Writes for firms and their staff."""

from __future__ import annotations

from django.db import transaction

from hona.models import Organization, User


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
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    sync_admin_site_access(user)
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
