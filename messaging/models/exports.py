"""Evidence exports: who asked for what, when, the chain head it carried, and the ZIP itself.

An export is built by a task (a project's can hold thousands of messages and files: longer than
a web request may take) into storage, and downloaded from there by the staff member who asked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from hona.models import Organization, OrganizationOwnedQuerySet
from messaging.models.threads import Thread
from projects.models import Project


def export_path(instance: ExportRecord, filename: str) -> str:
    return f"exports/{instance.organization_id}/{instance.pk}/{filename}"


class ExportRecord(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Could not be prepared"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    message_count = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(
        max_length=64,
        blank=True,
        help_text="The last entry's hash: a rewritten export cannot match it.",
    )
    sha256 = models.CharField("SHA-256 of the ZIP", max_length=64, blank=True)
    filename = models.CharField(max_length=120)
    file = models.FileField(upload_to=export_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="In bytes.")
    failure = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False) | Q(project__isnull=False),
                name="export_has_a_scope",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["building", "ready", "failed"]), name="export_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def title(self) -> str:
        """What it is of, in words: "Jane Doe's conversation", "the project Smith v. Jones"."""
        if self.thread_id is not None and self.thread is not None:
            return f"{self.thread.contact.name}'s conversation"
        return f"the project {self.project.name}" if self.project is not None else "a thread"
