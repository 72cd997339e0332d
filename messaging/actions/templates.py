"""Writes for message templates, shared by everyone in the firm."""

from __future__ import annotations

from django.db import transaction

from hona.models import Organization, User
from messaging.models import (
    MessageTemplate,
)


@transaction.atomic
def create_template(
    *, organization: Organization, name: str, body: str, created_by: User | None = None
) -> MessageTemplate:
    template = MessageTemplate(
        organization=organization, name=name.strip(), body=body, created_by=created_by
    )
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def update_template(*, template: MessageTemplate, name: str, body: str) -> MessageTemplate:
    template.name = name.strip()
    template.body = body
    template.full_clean()
    template.save(update_fields=["name", "body", "updated_at"])
    return template


@transaction.atomic
def delete_template(*, template: MessageTemplate) -> None:
    template.delete()
