"""Each staff member's own notification settings. Only the owner may change them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class NotificationSettings(models.Model):
    class Scope(models.TextChoices):
        ALL = "all", "All conversations"
        ASSIGNED = "assigned", "Projects I am assigned to (and contacts with no project)"
        FLAGGED = "flagged", "Flagged threads only"
        NONE = "none", "None"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.ASSIGNED)
    in_app = models.BooleanField("in-app (badge and list)", default=True)
    email_immediately = models.BooleanField("an email right away", default=True)
    daily_digest = models.BooleanField(default=False)
    daily_digest_time = models.TimeField(default=datetime.time(8, 0))
    weekly_digest = models.BooleanField(default=False)
    failure_emails = models.BooleanField(
        "email me when my message cannot be delivered", default=True
    )
    saved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner last saved these settings themselves."
    )
    welcome_dismissed_at = models.DateTimeField(null=True, blank=True)
    last_daily_digest_on = models.DateField(null=True, blank=True)
    last_weekly_digest_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["all", "assigned", "flagged", "none"]),
                name="notification_scope_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"


class Notification(models.Model):
    """A notice for one staff member: a delivery failure, a CMS filing failure…"""

    class Kind(models.TextChoices):
        DELIVERY_FAILED = "delivery_failed", "Message not delivered"
        CMS_FAILED = "cms_failed", "Not filed to the CMS"
        DOCUMENTS_NOT_SENT = "documents_not_sent", "Documents from the CMS not sent"
        MENTIONED = "mentioned", "Mentioned in an internal note"
        EXPORT = "export", "Evidence export"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thread = models.ForeignKey(
        "messaging.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    export = models.ForeignKey(
        "messaging.ExportRecord", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Email(models.TextChoices):
        NONE = "", "Not emailed"
        PENDING = "pending", "To be emailed"
        SENT = "sent", "Emailed"
        GAVE_UP = "gave_up", "The email could not be sent"

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether the notice also goes by email, and how far that got: a task sends it after commit,
    # and a sweeper on beat re-queues one whose task never ran (the broker was down).
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.NONE, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(
                fields=["created_at"],
                condition=Q(email="pending"),
                name="notification_email_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "message"], name="notification_once_per_message"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Where the notice leads: its thread, at the note that mentions them; an export's
        page; or the list."""
        if self.export_id:
            return reverse("messaging:export-detail", args=[self.export_id])
        if not self.thread_id:
            return reverse("notifications:unread-list")
        path = reverse("messaging:thread-detail", args=[self.thread_id])
        if self.kind == self.Kind.MENTIONED and self.message_id:
            path += f"?message={self.message_id}#message-{self.message_id}"
        return path


class AlertBurst(models.Model):
    """Client messages of one thread that share one alert email to staff.

    Opened, in the message's own transaction, by the first client message of a burst; later ones
    join it until a task claims it (ALERT_COALESCE_SECONDS later). The claim and every recipient
    it reached are kept here, so a retry after a failure (the mail server refused) emails only
    those not yet emailed, and two tasks never send the same burst.
    """

    thread = models.ForeignKey("messaging.Thread", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="When the burst is complete and its email may go.")
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a task took it; later messages open a new burst."
    )
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A task is sending it; others keep off until then."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_to = models.JSONField(default=list, blank=True, help_text="Staff already emailed.")
    done_at = models.DateTimeField(null=True, blank=True)
    gave_up = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["thread"],
                condition=Q(claimed_at__isnull=True),
                name="alert_burst_one_open_per_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(done_at__isnull=True), name="alert_due"),
        ]

    def __str__(self) -> str:
        return f"Alert for thread {self.thread_id}"
