"""Contacts, their one thread each, messages, files, templates and per-user unread state.

Threads and messages are never deleted: nothing here cascades into them from a contact, a project
or a user, and no admin or view offers a delete.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from hona.models import Organization, OrganizationOwnedQuerySet
from hona.phones import format_phone
from hona.text import validate_one_line
from projects.models import Project

MAX_BODY = settings.MESSAGE_MAX_LENGTH


def body_fits(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), MAX_BODY),
        name=name,
        violation_error_message=f"A message can be at most {MAX_BODY} characters long.",
    )


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
    def can_receive_sms(self) -> bool:
        return bool(self.phone) and self.phone_textable and not self.sms_opted_out

    @property
    def route(self) -> Route:
        return route_for(self)


class ThreadQuerySet(OrganizationOwnedQuerySet):
    def visible(self) -> ThreadQuerySet:
        """What the Conversations tab's "All" shows: not archived, not spam."""
        return self.filter(is_archived=False, is_spam=False)


class Thread(models.Model):
    """All messages with one contact, across all of the contact's projects."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="threads")
    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="thread")
    current_project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_threads",
        help_text="New messages are filed to this project.",
    )
    is_flagged = models.BooleanField(default=False)
    flagged_at = models.DateTimeField(null=True, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_spam = models.BooleanField(default=False)
    spam_marked_at = models.DateTimeField(null=True, blank=True)
    spam_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised from the latest message so the Conversations list is one indexed read.
    last_message_at = models.DateTimeField(
        "last activity",
        default=timezone.now,
        help_text="The latest message, or the thread's creation.",
    )
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_flagged=False) | Q(flagged_at__isnull=False),
                name="thread_flag_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_archived=False) | Q(archived_at__isnull=False),
                name="thread_archive_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_spam=False) | Q(spam_marked_at__isnull=False),
                name="thread_spam_has_time",
            ),
        ]
        indexes = [
            # The Conversations tab's "All": newest activity first, archived and spam left out.
            models.Index(
                "organization",
                models.F("last_message_at").desc(),
                models.F("id").desc(),
                condition=Q(is_archived=False, is_spam=False),
                name="thread_inbox",
            ),
            models.Index(
                "organization",
                models.F("last_message_at").desc(),
                models.F("id").desc(),
                name="thread_org_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"Thread with {self.contact}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "From the client"
        OUTBOUND = "out", "From the firm"

    class Channel(models.TextChoices):
        PENDING = "", "Not sent yet"
        SMS = "sms", "SMS"
        MMS = "mms", "MMS"
        EMAIL = "email", "Email"
        PORTAL = "portal", "Client portal"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        RECEIVED = "received", "Received"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    body = models.TextField(blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_messages",
        help_text="The staff member who wrote an outbound message.",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    provider_sid = models.CharField(
        "provider id", max_length=64, blank=True, help_text="Twilio's MessageSid."
    )
    error_code = models.CharField(max_length=16, blank=True)
    error_reason = models.CharField("reason", max_length=500, blank=True)
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        help_text="The project this message was filed to when it was written.",
    )
    created_at = models.DateTimeField(db_index=False)
    status_changed_at = models.DateTimeField(
        help_text="When the message was written or its delivery status last changed."
    )
    redacted_at = models.DateTimeField(null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the message was handed to the SMS provider."
    )
    send_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last hand-over to the SMS provider began."
    )
    media_pending = models.PositiveSmallIntegerField(
        default=0, help_text="Files of an inbound MMS still being downloaded."
    )

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            body_fits("body", "message_body_max_1600"),
            models.UniqueConstraint(
                fields=["provider_sid"],
                condition=~Q(provider_sid=""),
                name="message_provider_sid_unique",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["in", "out"]), name="message_direction"
            ),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(sender__isnull=True),
                name="message_inbound_has_no_staff_sender",
            ),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(status="received"),
                name="message_inbound_is_received",
            ),
            models.CheckConstraint(
                condition=Q(direction="in") | ~Q(status="received"),
                name="message_outbound_is_not_received",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "queued",
                        "sending",
                        "sent",
                        "delivered",
                        "undelivered",
                        "failed",
                        "received",
                    ]
                ),
                name="message_status_known",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["", "sms", "mms", "email", "portal"]),
                name="message_channel_known",
            ),
        ]
        indexes = [
            # The thread page reads the latest 50 of a thread.
            models.Index(
                "thread",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="message_thread_recent",
            ),
            # The thread page's "anything new since …" check: new messages and status changes.
            models.Index(fields=["thread", "status_changed_at"], name="message_thread_changed"),
            # A staff member's hourly quota of messages.
            models.Index(
                fields=["sender", "created_at"],
                condition=Q(sender__isnull=False),
                name="message_sender_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} message {self.pk}"

    @property
    def is_inbound(self) -> bool:
        return self.direction == self.Direction.INBOUND


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.organization_id}/{instance.message.thread_id}/{filename}"


class Attachment(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded by staff"
        MMS = "mms", "Received by MMS"
        PORTAL = "portal", "Uploaded in the client portal"
        CMS = "cms", "Attached from the CMS"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255, help_text="The name the file was sent with.")
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    source = models.CharField(max_length=8, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["upload", "mms", "portal", "cms"]), name="attachment_source"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class MessageTemplate(models.Model):
    """A reusable message text, shared by everyone in the firm."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="message_templates"
    )
    name = models.CharField(max_length=120, validators=[validate_one_line])
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            body_fits("body", "template_body_max_1600"),
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="template_name_unique_per_firm",
                violation_error_message="The firm already has a template with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnreadThread(models.Model):
    """One row per (staff member, thread) with client messages that member has not seen.

    Written for every colleague when a client message arrives and deleted when that member opens
    the thread, so one user's unread count is an index-only count of their own rows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unread_threads"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="unread_by")
    since = models.DateTimeField(help_text="When the oldest unseen client message arrived.")
    # Copies of the thread's project and flag, kept in step by the actions that change them, so
    # a badge limited to "my projects" or "flagged" stays a count of this user's rows alone.
    thread_project_id = models.BigIntegerField(null=True, blank=True)
    thread_flagged = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="unread_thread_once_per_user"),
        ]
        indexes = [
            models.Index(fields=["thread"], name="unread_thread_thread"),
            models.Index(fields=["user", "thread_project_id"], name="unread_thread_user_project"),
        ]

    def __str__(self) -> str:
        return f"{self.user} has not read {self.thread}"


@dataclass(frozen=True)
class Route:
    """How a message to a contact will travel, and why, in the words staff read."""

    channel: str  # "sms", "email" or "none"
    summary: str
    detail: str = ""


def route_for(contact: Contact) -> Route:
    email = f"by email to {contact.email}" if contact.email else ""
    if contact.can_receive_sms:
        return Route("sms", f"By SMS to {contact.phone_display}")
    if contact.phone and contact.sms_opted_out:
        why = f"{contact.name} opted out of SMS (replied STOP)"
        if contact.sms_opted_out_at:
            why += f" on {timezone.localtime(contact.sms_opted_out_at):%b %-d, %Y}"
        if email:
            return Route("email", f"Opted out of SMS — messages go {email}", why + ".")
        return Route("none", "Opted out of SMS and no email on file", why + ".")
    if contact.phone:
        why = contact.phone_not_textable_reason or f"{contact.phone_display} cannot receive texts."
        if email:
            return Route("email", f"Email only — {email.removeprefix('by email to ')}", why)
        return Route(
            "none", "No way to reach them", why + " Add an email address or a mobile number."
        )
    if email:
        return Route("email", f"Email only — {contact.email}", "No phone number on file.")
    return Route("none", "No way to reach them", "Add a mobile number or an email address.")


class DeliveryEvent(models.Model):
    """Every step of an outbound message's journey, kept for the record: sent, fell back, failed."""

    class Kind(models.TextChoices):
        SMS_ACCEPTED = "sms_accepted", "Accepted by the SMS provider"
        SMS_STATUS = "sms_status", "SMS status update"
        SMS_RETRY = "sms_retry", "SMS sent again"
        SMS_REJECTED = "sms_rejected", "Refused by the SMS provider"
        FALLBACK = "fallback", "Fell back to email"
        EMAIL_SENT = "email_sent", "Sent by email"
        EMAIL_FAILED = "email_failed", "Email could not be sent"
        FAILED = "failed", "Could not be delivered"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="delivery_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, blank=True)
    error_code = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["message", "created_at"], name="delivery_event_message")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.message_id})"


class ConsentEvent(models.Model):
    """The contact's SMS opt-out history: every STOP and START, never overwritten."""

    class Kind(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out of SMS"
        OPTED_IN = "opted_in", "Opted back in to SMS"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="consent_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    keyword = models.CharField(max_length=20, blank=True, help_text="What the client texted.")
    source = models.CharField(
        max_length=40,
        blank=True,
        help_text="Where we learned it: an inbound text or a Twilio error.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contact}: {self.get_kind_display()}"


class InboundMedia(models.Model):
    """A file of an inbound MMS still at Twilio: fetched by a task into an Attachment."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="inbound_media")
    position = models.PositiveSmallIntegerField()
    url = models.URLField(max_length=1000)
    content_type = models.CharField(max_length=127)
    attachment = models.OneToOneField(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="inbound_media_position")
        ]

    def __str__(self) -> str:
        return f"Media {self.position + 1} of message {self.message_id}"
