"""Rotating the keys that encrypt CMS secrets at rest."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cms_sync.crypto import UnreadableSecret, rotate
from cms_sync.models import Integration

ENCRYPTED_FIELDS = ("secret_encrypted", "access_token_encrypted", "refresh_token_encrypted")


@dataclass(frozen=True)
class Rotation:
    rotated: int  # integrations whose secrets are now encrypted with the newest key
    unreadable: list[int]  # integrations with a secret no configured key opens


def rotate_encryption_keys() -> Rotation:
    """Re-encrypt every stored CMS secret with the newest of CMS_ENCRYPTION_KEYS.

    Row by row, each locked while it changes, so a token refreshed meanwhile is never lost; safe
    to run again (a value already under the newest key is simply encrypted afresh).
    """
    rotated, unreadable = 0, []
    for integration_id in Integration.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            integration = Integration.objects.select_for_update().get(pk=integration_id)
            try:
                for name in ENCRYPTED_FIELDS:
                    setattr(integration, name, rotate(getattr(integration, name)))
            except UnreadableSecret:
                unreadable.append(integration_id)
                continue
            integration.save(update_fields=list(ENCRYPTED_FIELDS))
            rotated += 1
    return Rotation(rotated=rotated, unreadable=unreadable)
