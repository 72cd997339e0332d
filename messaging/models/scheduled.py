"""Messages staff scheduled for later: kept apart from the thread's messages until they go.

A scheduled message is not a Message yet: it has no place in the thread's order, no preview, no
filing. Beat turns each due one into a real message (messaging.actions.scheduled), exactly once,
through the same send as any (opt-out, the firm's rules and the number's rate apply then).
Until then staff may edit or cancel it; nothing is deleted: a cancelled one stays, marked so.

Its files are stored when it is scheduled (ScheduledFile), checked like any upload; the message it
becomes carries them as its attachments, pointing at the same stored files (never a second copy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from hona.models import Organization, OrganizationOwnedQuerySet
from messaging.models.messages import Message
from messaging.models.threads import Thread


class ScheduledMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Scheduled"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Could not be sent"

    class Reason(models.TextChoices):
        CHOSEN = "chosen", "Scheduled by staff"
        QUIET_HOURS = "quiet_hours", "Held for the end of the client's quiet hours"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="scheduled")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    send_at = models.DateTimeField()
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.CHOSEN)
    client_zone = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.OneToOneField(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="scheduled_from"
    )
    failure = models.CharField(max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "cancelled", "failed"]),
                name="scheduled_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(message__isnull=False),
                name="scheduled_sent_has_message",
            ),
        ]
        indexes = [
            # Beat's question every minute: what is due now.
            models.Index(fields=["send_at"], condition=Q(status="pending"), name="scheduled_due"),
        ]

    def __str__(self) -> str:
        return f"Scheduled message {self.pk} for {self.send_at:%Y-%m-%d %H:%M}"


def scheduled_file_path(instance: ScheduledFile, filename: str) -> str:
    return f"scheduled/{instance.organization_id}/{instance.scheduled.thread_id}/{filename}"


class ScheduledFile(models.Model):
    """A file staff attached to a scheduled message, stored until it goes."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    scheduled = models.ForeignKey(ScheduledMessage, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=scheduled_file_path, max_length=300)
    filename = models.CharField(max_length=255, help_text="The name the file was chosen with.")
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
