"""CMS integrations, and the outbox of what must be filed into the firm's cases.

An OutboxEntry is written in the same transaction as the message or file it files, so nothing is
forgotten; a task files it, at most once (a unique key per item and case; the CMS's id is kept).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cms_sync.errors import FilingError
from hona.models import Organization


class Integration(models.Model):
    class Kind(models.TextChoices):
        CLIO = "clio", "Clio Manage"
        WEBHOOK = "webhook", "Signed JSON webhook"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        TOKEN_EXPIRED = "token_expired", "Token expired"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="integrations"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    secret_encrypted = models.TextField(blank=True, help_text="Webhook signing secret (encrypted).")
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(auto_now_add=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=~Q(status="inactive"),
                name="one_live_integration_per_firm",
                violation_error_message="The firm already has a connected integration.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["clio", "webhook"]), name="integration_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.organization}"


class OutboxEntry(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        FILE = "file", "File"
        NOTE = "note", "Internal note"  # filed as a note of the case, not a communication

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        FILED = "filed", "Filed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, related_name="filings"
    )
    attachment = models.ForeignKey(
        "messaging.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
    )
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    case_id = models.CharField(max_length=64)
    key = models.CharField(max_length=120, unique=True, help_text="One filing per item and case.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    in_flight_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is filing it; others keep off until then."
    )
    cms_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(
        max_length=16, choices=FilingError.choices, blank=True, help_text="Why it is not filed."
    )
    last_error = models.CharField(max_length=500, blank=True, help_text="The same, in words.")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["message", "note"], attachment__isnull=True)
                | Q(kind="file", attachment__isnull=False),
                name="outbox_file_entries_have_a_file",
            ),
            models.CheckConstraint(
                condition=~Q(status="filed") | ~Q(cms_id=""), name="outbox_filed_has_cms_id"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["organization", "status"], name="outbox_org_status"),
        ]

    def __str__(self) -> str:
        return self.key


class RefileAudit(models.Model):
    """A staff member moved one message's filing to another project: who, when, from, to."""

    message = models.ForeignKey("messaging.Message", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Message {self.message_id} re-filed"


class PendingDocument(models.Model):
    """A file chosen from the case in the CMS for an outbound message, fetched by a task.

    Only its id comes from the browser: the task asks Clio for the document, and sends it only
    when it belongs to the matter of the thread's current project (issue #10).
    """

    class Refusal(models.TextChoices):
        NOT_IN_MATTER = "not_in_matter", "Belongs to another matter"
        NOT_FOUND = "not_found", "Not found in the CMS"
        NO_MATTER = "no_matter", "The conversation has no linked matter"
        NO_INTEGRATION = "no_integration", "The integration is not active"
        UNAVAILABLE = "unavailable", "The CMS stayed unavailable"
        DOWNLOAD_FAILED = "download_failed", "The download failed"

    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, related_name="pending_documents"
    )
    document_id = models.CharField(max_length=64)
    name = models.CharField(
        max_length=255, blank=True, help_text="The document's name in the CMS, read when fetched."
    )
    attachment = models.OneToOneField(
        "messaging.Attachment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failed = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs of the fetch task so far (Clio unavailable: retried)."
    )
    refusal_code = models.CharField(max_length=16, choices=Refusal.choices, blank=True)
    refusal = models.CharField(
        max_length=400, blank=True, help_text="Why it was not sent, in the sender's words."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "document_id"], name="pending_document_once_per_message"
            )
        ]

    def __str__(self) -> str:
        return self.name or f"Document {self.document_id}"
