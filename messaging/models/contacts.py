"""Contacts (clients and leads of a firm) and their SMS consent history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hona.models import Organization, OrganizationOwnedQuerySet
from hona.phones import format_phone
from hona.text import validate_one_line
from messaging.lookup import LABELS as LOOKUP_LABELS
from messaging.reach import Consent, Route, consent_of, route_for
from messaging.senders import SENDER_ID_MAX_LENGTH, sender_label, validate_sender_id
from projects.models import Project


def new_lead_name(e164: str) -> str:
    """What a lead who is only a phone number is called until staff name them."""
    return f"New lead {format_phone(e164)}"


class Contact(models.Model):
    """A client or a lead of the firm. Exactly one Thread belongs to each contact."""

    class Kind(models.TextChoices):
        CLIENT = "client", "Client"
        LEAD = "lead", "Lead"

    class NotificationPreference(models.TextChoices):
        SMS = "sms", "Text message (SMS)"
        EMAIL = "email", "Email"
        BOTH = "both", "SMS and email"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CLIENT)
    name = models.CharField(max_length=200, validators=[validate_one_line])
    phone = models.CharField(
        max_length=16, blank=True, help_text="Stored in E.164 form, such as +14155550134."
    )
    phone_textable = models.BooleanField(
        default=False, help_text="Whether the phone number can receive text messages."
    )
    phone_not_textable_reason = models.CharField(max_length=200, blank=True)
    # Twilio Lookup v2's answer for `line_type_number` (messaging.lookup): asked before the
    # number's first text, again when the number changes or the answer is old.
    # db_default: rows written without them (bulk loads, the previous release during a rolling
    # deploy) are numbers never looked up.
    line_type = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        choices=[(key, label) for key, label in LOOKUP_LABELS.items()],
        help_text="What Twilio Lookup said the number is: mobile, landline, VoIP…",
    )
    line_carrier = models.CharField(max_length=100, blank=True, default="", db_default="")
    line_type_number = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text="The number the line type was looked up for.",
    )
    line_type_checked_at = models.DateTimeField(null=True, blank=True)
    sender_id = models.CharField(
        "sender ID",
        max_length=SENDER_ID_MAX_LENGTH,
        blank=True,
        default="",
        # Also in the database: rows written without it (bulk loads, the previous release during
        # a rolling deploy) are contacts with a phone or an email, as before.
        db_default="",
        validators=[validate_sender_id],
        help_text="Who texted us when it was not a phone number: a short code (12345), a sender "
        "ID (HonaAlerts) or another address, as given. It cannot receive texts.",
    )
    email = models.EmailField(blank=True)
    notification_preference = models.CharField(
        max_length=8,
        choices=NotificationPreference.choices,
        default=NotificationPreference.SMS,
        help_text="How automated notices reach this client. Two-way messages to a textable "
        "number always go by SMS.",
    )
    sms_opted_out = models.BooleanField(
        "opted out of SMS", default=False, help_text="The client texted STOP to the firm's number."
    )
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    # Consent to texts (messaging.reach.consent_of): when and how they agreed, and when it was
    # asked for. Their history, with who recorded what, is ConsentEvent; these mirror it.
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        choices=[
            ("texted_first", "texted the firm first"),
            ("staff", "recorded by staff"),
            ("replied_yes", "replied YES to a consent request"),
        ],
    )
    consent_requested_at = models.DateTimeField(null=True, blank=True)
    # The first text the firm's number sent them: a contact never texted is "new" to the firm's
    # consent rule (Organization.require_sms_consent).
    first_texted_at = models.DateTimeField(null=True, blank=True)
    projects = models.ManyToManyField(Project, blank=True, related_name="clients")
    portal_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Portal links made before this moment no longer open the thread.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who started a conversation with this new contact.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "phone"],
                condition=~Q(phone=""),
                name="contact_phone_unique_per_firm",
                violation_error_message="Another contact of this firm has this phone number.",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__startswith="+"),
                name="contact_phone_e164",
            ),
            # Texts from one short code or sender ID land in one thread.
            models.UniqueConstraint(
                fields=["organization", "sender_id"],
                condition=~Q(sender_id=""),
                name="contact_sender_id_unique_per_firm",
                violation_error_message="Another contact of this firm has this sender ID.",
            ),
            models.CheckConstraint(
                condition=Q(phone_textable=False) | ~Q(phone=""),
                name="contact_textable_needs_phone",
            ),
            models.CheckConstraint(
                condition=Q(sms_opted_out=False) | Q(sms_opted_out_at__isnull=False),
                name="contact_opt_out_has_time",
            ),
            models.CheckConstraint(condition=Q(kind__in=["client", "lead"]), name="contact_kind"),
            models.CheckConstraint(
                condition=Q(consent_given_at__isnull=True, consent_source="")
                | Q(
                    consent_given_at__isnull=False,
                    consent_source__in=["texted_first", "staff", "replied_yes"],
                ),
                name="contact_consent_has_time_and_source",
            ),
            models.CheckConstraint(
                condition=Q(notification_preference__in=["sms", "email", "both"]),
                name="contact_notification_preference",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="contact_org_name"),
            models.Index(fields=["organization", "email"], name="contact_org_email"),
            # A staff member's hourly quota of new conversations.
            models.Index(
                fields=["created_by", "created_at"],
                condition=Q(created_by__isnull=False),
                name="contact_started_by",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def sender_label(self) -> str:
        """ "Short code 12345", "Sender ID HonaAlerts": shown instead of a phone number."""
        return sender_label(self.sender_id) if self.sender_id else ""

    @property
    def can_receive_sms(self) -> bool:
        return bool(self.phone) and self.phone_textable and not self.sms_opted_out

    @property
    def line_type_due(self) -> bool:
        """Whether Lookup should be asked before the next text: a textable number never looked
        up, changed since, or looked up longer ago than LINE_TYPE_MAX_AGE_DAYS."""
        if not self.can_receive_sms:
            return False
        if self.line_type_number != self.phone or self.line_type_checked_at is None:
            return True
        age = timezone.now() - self.line_type_checked_at
        return age.days >= settings.LINE_TYPE_MAX_AGE_DAYS

    @property
    def consent(self) -> Consent:
        return consent_of(self)

    @property
    def route(self) -> Route:
        return route_for(self)


class ConsentEvent(models.Model):
    """The contact's consent history: every STOP and START, every consent given or asked for,
    never overwritten."""

    class Kind(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out of SMS"
        OPTED_IN = "opted_in", "Opted back in to SMS"
        CONSENTED = "consented", "Agreed to texts"
        REQUESTED = "requested", "Asked to agree to texts"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="consent_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    keyword = models.CharField(max_length=20, blank=True, help_text="What the client texted.")
    source = models.CharField(
        max_length=40,
        blank=True,
        help_text="Where we learned it: an inbound text or a Twilio error.",
    )
    note = models.TextField(
        blank=True, default="", db_default="", help_text="Staff's words when they recorded it."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who recorded the consent or sent the request.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contact}: {self.get_kind_display()}"
