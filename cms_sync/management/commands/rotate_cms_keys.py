"""Re-encrypt every stored CMS token and webhook secret with the newest CMS_ENCRYPTION_KEYS key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cms_sync.actions import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt stored CMS secrets with the first key of CMS_ENCRYPTION_KEYS. Put the new "
        "key first, keep the old ones after it, run this, then remove the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rotate_encryption_keys()
        self.stdout.write(
            f"Re-encrypted the secrets of {result.rotated} integration"
            f"{'s' if result.rotated != 1 else ''} with the newest key."
        )
        if result.unreadable:
            ids = ", ".join(str(pk) for pk in result.unreadable)
            raise CommandError(
                f"No configured key opens the secrets of integration(s) {ids}. Put back the key "
                "they were encrypted with (after the new one) and run this again; until then "
                "those integrations cannot file."
            )
        self.stdout.write("Every stored secret now opens with the newest key alone.")
