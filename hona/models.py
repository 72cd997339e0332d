"""The firm (Organization) and its staff (User)."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Self

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from hona.phones import parse_phone
from hona.text import validate_one_line


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone we know, such as America/New_York.")


def validate_e164(value: str) -> None:
    if parse_phone(value).e164 != value:
        raise ValidationError("Store the number in E.164 form, such as +18885550100.")


TIMEZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class Organization(models.Model):
    """A law firm: its staff, contacts, projects and templates all point here."""

    name = models.CharField(max_length=200)
    sms_number = models.CharField(
        "toll-free SMS number",
        max_length=16,
        blank=True,
        validators=[validate_e164],
        help_text="The firm's Twilio toll-free number in E.164 form, such as +18885550100.",
    )
    timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        choices=TIMEZONE_CHOICES,
        validators=[validate_timezone],
    )
    sms_per_second = models.DecimalField(
        "texts per second",
        max_digits=5,
        decimal_places=2,
        default=3,
        help_text="The most texts sent per second from the firm's number (toll-free: 3). "
        "0 means no limit.",
    )
    # Per person and hour, so one account (or whoever took it over) cannot text a whole list.
    new_conversations_per_hour = models.PositiveIntegerField(
        "new conversations per person per hour",
        default=200,
        help_text="How many new contacts one staff member may start a conversation with in an "
        "hour. 0 means no limit.",
    )
    messages_per_hour = models.PositiveIntegerField(
        "messages per person per hour",
        default=600,
        help_text="How many messages one staff member may send in an hour. 0 means no limit.",
    )
    require_two_factor = models.BooleanField(
        "require two-factor sign-in for all staff",
        default=False,
        help_text="Everyone at the firm must sign in with a code from an authenticator app. "
        "Staff without one are asked to set it up the next time they open a page.",
    )
    file_notes_to_cms = models.BooleanField(
        "file internal notes to the case",
        default=False,
        help_text="Staff's internal notes are filed to the client's case in the CMS as notes "
        "(never as communications with the client). Off: notes stay in Hona.",
    )
    # Quiet hours in the client's own time (messaging.quiet): a prompt for staff, not a block.
    quiet_hours_on = models.BooleanField(
        "ask before texting in quiet hours",
        default=True,
        db_default=True,
        help_text="A text sent in the client's quiet hours asks first: send now, or schedule "
        "it for the end of their quiet hours.",
    )
    quiet_hours_start = models.TimeField(
        default=datetime.time(21, 0),
        db_default=datetime.time(21, 0),
        help_text="When the client's quiet hours begin, in their local time.",
    )
    quiet_hours_end = models.TimeField(
        default=datetime.time(8, 0),
        db_default=datetime.time(8, 0),
        help_text="When they end, in the client's local time.",
    )
    require_sms_consent = models.BooleanField(
        "require consent before the first text",
        default=False,
        db_default=False,
        help_text="A new contact is texted only once they agreed: they texted the firm first, "
        "staff recorded their consent, or they replied YES to a consent request. Until then "
        "messages go by email, and the thread says why.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sms_number"],
                condition=~Q(sms_number=""),
                name="organization_sms_number_unique",
                violation_error_message="Another firm already uses this SMS number.",
            ),
            models.CheckConstraint(
                condition=Q(sms_number="") | Q(sms_number__startswith="+"),
                name="organization_sms_number_e164",
            ),
            models.CheckConstraint(
                condition=Q(sms_per_second__gte=0), name="organization_sms_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            validate_one_line(self.name)
        except ValidationError as error:
            raise ValidationError({"name": error}) from None


class OrganizationOwnedQuerySet(models.QuerySet):
    """Every firm-owned model's queryset: scope it to one firm before reading."""

    def for_organization(self, organization: Organization | int) -> Self:
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.filter(organization_id=org_id)

    def for_user(self, user: User) -> Self:
        if user.organization_id is None:
            return self.none()
        return self.filter(organization_id=user.organization_id)


EMAIL_TAKEN = "Another account already uses this email address."


class User(AbstractUser):
    """A staff member of one firm. Superusers (platform support) may belong to none."""

    class Role(models.TextChoices):
        FIRM_ADMIN = "admin", "Firm admin"
        STAFF = "staff", "Staff"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField(
        max_length=150, blank=True, help_text="How colleagues see this person in threads."
    )

    class Meta:
        ordering = ["display_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(organization__isnull=False),
                name="user_belongs_to_a_firm_unless_support",
                violation_error_message="Every staff member belongs to a firm.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "staff"]),
                name="user_role_known",
            ),
            # Staff sign in with their email: one address is one account, across all firms, in any
            # letter case, so another firm cannot claim (and so break) someone's sign-in.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=EMAIL_TAKEN,
            ),
            # Django's is_staff opens the admin site: support, and firm admins for their firm.
            models.CheckConstraint(
                condition=Q(is_staff=False) | Q(is_superuser=True) | Q(role="admin"),
                name="user_admin_site_only_for_firm_admins",
                violation_error_message="Only firm admins can use the admin site.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        for field in ("display_name", "first_name", "last_name"):
            try:
                validate_one_line(getattr(self, field))
            except ValidationError as error:
                errors[field] = error
        if errors:
            raise ValidationError(errors)

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_firm_admin(self) -> bool:
        return self.role == self.Role.FIRM_ADMIN and self.organization_id is not None

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"
