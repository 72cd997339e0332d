"""Message templates, shared by everyone in the firm."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hona.models import Organization, OrganizationOwnedQuerySet
from hona.text import validate_one_line
from messaging.models.messages import body_fits


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
