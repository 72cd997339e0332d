"""Connecting a firm's CMS: the Clio OAuth flow or a signed webhook, one live per firm."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms_sync.clio import exchange_code, store_tokens
from cms_sync.crypto import encrypt
from cms_sync.errors import FilingRejected, FilingUnavailable
from cms_sync.models import Integration
from hona.models import Organization, User
from hona.net import UnsafeUrl, check_webhook_url


def active_integration(organization_id: int) -> Integration | None:
    return Integration.objects.filter(
        organization_id=organization_id, status=Integration.Status.ACTIVE
    ).first()


def connect_webhook(
    *, organization: Organization, user: User, url: str, secret: str = ""
) -> tuple[Integration, str]:
    """Connect the firm's webhook; returns it with its signing secret (shown once).

    The URL must be https and resolve only to public addresses. Checking resolves the name and
    nothing more: no request is made, so saving says nothing about what answers where. The
    lookup happens before the transaction, so no database lock waits on DNS.
    """
    if active_integration(organization.pk) is not None:
        raise ValidationError("Disconnect the current integration first.")
    try:
        check_webhook_url(url)
    except UnsafeUrl as error:
        raise ValidationError(str(error)) from None
    secret = secret or secrets.token_urlsafe(32)
    with transaction.atomic():
        integration = Integration(
            organization=organization,
            kind=Integration.Kind.WEBHOOK,
            webhook_url=url,
            secret_encrypted=encrypt(secret),
            connected_by=user,
        )
        integration.full_clean()
        integration.save()
    return integration, secret


def connect_clio(
    *, organization: Organization, user: User, code: str, redirect_uri: str
) -> Integration:
    """Finish Clio's OAuth flow: trade the code for tokens, kept encrypted."""
    if active_integration(organization.pk) is not None:
        raise ValidationError("Disconnect the current integration first.")
    try:
        payload = exchange_code(code, redirect_uri)
    except (FilingRejected, FilingUnavailable) as error:
        raise ValidationError(f"Clio did not accept the connection: {error}") from None
    with transaction.atomic():
        Integration.objects.filter(
            organization=organization, status=Integration.Status.TOKEN_EXPIRED
        ).update(status=Integration.Status.INACTIVE, disconnected_at=timezone.now())
        integration = Integration(
            organization=organization, kind=Integration.Kind.CLIO, connected_by=user
        )
        store_tokens(integration, payload)
        integration.save()
    return integration


@transaction.atomic
def disconnect(*, integration: Integration) -> None:
    integration.status = Integration.Status.INACTIVE
    integration.status_reason = "Disconnected by a firm admin."
    integration.disconnected_at = timezone.now()
    integration.save(update_fields=["status", "status_reason", "disconnected_at"])
