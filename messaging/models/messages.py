"""Messages, their files, every step of their delivery, and MMS files still at Twilio.

Threads and messages are never deleted: nothing cascades into them from a contact, a project or
a user, and no admin or view offers a delete.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from hona.models import Organization, OrganizationOwnedQuerySet
from messaging.failures import Failure
from messaging.models.threads import Thread
from projects.models import Project

MAX_BODY = settings.MESSAGE_MAX_LENGTH


def body_fits(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), MAX_BODY),
        name=name,
        violation_error_message=f"A message can be at most {MAX_BODY} characters long.",
    )


class MessageQuerySet(OrganizationOwnedQuerySet):
    def for_client(self) -> MessageQuerySet:
        """What the client may see of their thread (the portal, anything sent to them): every
        message but staff's internal notes."""
        return self.exclude(direction=Message.Direction.INTERNAL)

    def notes(self) -> MessageQuerySet:
        return self.filter(direction=Message.Direction.INTERNAL)


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "From the client"
        OUTBOUND = "out", "From the firm"
        # Staff's own words about the thread, inside it: never sent, never shown to the client.
        INTERNAL = "int", "Internal note"

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
        INTERNAL = "internal", "Internal: not sent"

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        # Sent by Hona itself, not by staff: shown as such in the thread, delivered like any.
        PORTAL_LINK = "portal_link", "Automated: new conversation link"
        CONSENT_REQUEST = "consent_request", "Automated: consent request"

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
    # For a text: the client's time zone when it was sent, and what quiet hours said
    # (messaging.quiet): a time-of-day claim is answered from the record.
    client_zone = models.CharField(max_length=64, blank=True, default="", db_default="")
    quiet_hours = models.CharField(
        max_length=12,
        blank=True,
        default="",
        db_default="",
        choices=[
            ("outside", "Sent outside the client's quiet hours"),
            ("sent_anyway", "Sent in quiet hours: staff chose to send now"),
            ("scheduled", "Held until the client's quiet hours ended"),
        ],
    )
    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        default=Kind.MESSAGE,
        db_default=Kind.MESSAGE,  # rows written without it (bulk loads, a rolling deploy)
        help_text="A message someone wrote, or an automated notice to the client.",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    provider_sid = models.CharField(
        "provider id", max_length=64, blank=True, help_text="Twilio's MessageSid."
    )
    error_code = models.CharField(max_length=16, blank=True)
    error_reason = models.CharField(
        "reason", max_length=500, blank=True, help_text="What staff read about its delivery."
    )
    # The codes beside those words: why it went by email (and the cause in words, kept for the
    # later steps' sentences), and the latest problem on its way, if any. Logic reads these.
    # Empty by default in the database too, for rows written without them (bulk loads).
    fallback_code = models.CharField(
        max_length=20,
        choices=Failure.choices,
        blank=True,
        db_default="",
        help_text="Why it went by email.",
    )
    fallback_reason = models.CharField(max_length=300, blank=True, db_default="")
    failure_code = models.CharField(
        max_length=20,
        choices=Failure.choices,
        blank=True,
        db_default="",
        help_text="Why it failed, or what it is waiting for.",
    )
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

    objects = MessageQuerySet.as_manager()

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
                condition=Q(direction__in=["in", "out", "int"]), name="message_direction"
            ),
            models.CheckConstraint(
                condition=~Q(direction="in") | Q(sender__isnull=True),
                name="message_inbound_has_no_staff_sender",
            ),
            models.CheckConstraint(
                condition=~Q(direction="in") | Q(status="received"),
                name="message_inbound_is_received",
            ),
            # A note has its author, is never sent (no status, channel or provider id) and has
            # no files: nothing about it can reach the client.
            models.CheckConstraint(
                condition=~Q(direction="int")
                | Q(
                    status="internal",
                    sender__isnull=False,
                    channel="",
                    provider_sid="",
                    kind="message",
                ),
                name="message_note_is_never_sent",
            ),
            models.CheckConstraint(
                condition=Q(direction="int") | ~Q(status="internal"),
                name="message_only_notes_are_internal",
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
                        "internal",
                    ]
                ),
                name="message_status_known",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["", "sms", "mms", "email", "portal"]),
                name="message_channel_known",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["message", "portal_link", "consent_request"]),
                name="message_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(kind="message") | Q(direction="out", sender__isnull=True),
                name="message_notice_is_automated_outbound",
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
            # The firm's notes, for a search of their text (a firm writes few of them).
            models.Index(
                fields=["organization", "-created_at"],
                condition=Q(direction="int"),
                name="message_notes_recent",
            ),
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

    @property
    def is_note(self) -> bool:
        return self.direction == self.Direction.INTERNAL

    @property
    def is_notice(self) -> bool:
        return self.kind != self.Kind.MESSAGE


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
    error_code = models.CharField(max_length=16, blank=True, help_text="The provider's code.")
    code = models.CharField(max_length=20, choices=Failure.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["message", "created_at"], name="delivery_event_message")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.message_id})"


class InboundMedia(models.Model):
    """A file of an inbound MMS still at Twilio: fetched by a task into an Attachment."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="inbound_media")
    position = models.PositiveSmallIntegerField()
    url = models.URLField(max_length=1000)
    content_type = models.CharField(max_length=127)
    attachment = models.OneToOneField(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Failure(models.TextChoices):
        NOT_TWILIO = "not_twilio", "Not on Twilio's media host: never fetched"
        UNAVAILABLE = "unavailable", "Twilio stayed unavailable"
        REFUSED = "refused", "Twilio refused it"
        TOO_LARGE = "too_large", "Larger than we accept"

    failed = models.BooleanField(default=False)
    failure = models.CharField(max_length=12, choices=Failure.choices, blank=True)

    class Meta:
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="inbound_media_position")
        ]

    def __str__(self) -> str:
        return f"Media {self.position + 1} of message {self.message_id}"
