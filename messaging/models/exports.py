"""The audit of evidence exports: who downloaded what, when, and the chain head it carried."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from hona.models import Organization, OrganizationOwnedQuerySet
from messaging.models.threads import Thread
from projects.models import Project


class ExportRecord(models.Model):
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
    message_count = models.PositiveIntegerField()
    chain_head = models.CharField(
        max_length=64, help_text="The last entry's hash: a rewritten export cannot match it."
    )
    sha256 = models.CharField("SHA-256 of the ZIP", max_length=64)
    filename = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False) | Q(project__isnull=False),
                name="export_has_a_scope",
            )
        ]

    def __str__(self) -> str:
        return self.filename
