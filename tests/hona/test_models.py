from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hona.actions import create_organization
from hona.models import Organization, User


def test_two_firms_cannot_share_a_toll_free_number(firm: Organization) -> None:
    with pytest.raises(ValidationError, match="Another firm already uses this SMS number"):
        create_organization(name="Copycat Law", sms_number=firm.sms_number)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Copycat Law", sms_number=firm.sms_number)


def test_a_firm_sms_number_must_be_e164(db: None) -> None:
    with pytest.raises(ValidationError, match=r"E\.164"):
        create_organization(name="Typo Law", sms_number="(888) 555-0100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Typo Law", sms_number="888-555-0100")


def test_an_unknown_time_zone_is_refused(db: None) -> None:
    with pytest.raises(ValidationError, match="Mars/Olympus_Mons"):
        create_organization(name="Mars Law", timezone="Mars/Olympus_Mons")


def test_staff_must_belong_to_a_firm_but_support_need_not(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("drifter", password="x")
    support = User.objects.create_superuser("support", "s@example.com", "x")
    assert support.organization is None


def test_only_firm_admins_can_be_let_into_the_admin_site(firm: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("sneaky", organization=firm, role=User.Role.STAFF, is_staff=True)


def test_firm_admins_get_admin_site_access_and_staff_do_not(owner: User, colleague: User) -> None:
    assert owner.is_staff and owner.is_firm_admin
    assert not colleague.is_staff and not colleague.is_firm_admin


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"display_name": "Alice Johnson"}, "Alice Johnson"),
        ({"first_name": "Bob", "last_name": "Martinez"}, "Bob Martinez"),
        ({}, "plain"),
    ],
)
def test_a_user_is_shown_by_display_name_then_full_name_then_username(
    firm: Organization, fields: dict[str, Any], expected: str
) -> None:
    user = User(organization=firm, username="plain", **fields)
    assert user.name == expected
