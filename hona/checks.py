"""System checks for a deployment (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def public_base_url_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Production says where it is: links in texts and emails, and Twilio's signatures, use it.

    Only a developer's machine (DEBUG on) may leave it unset, where runserver supplies it.
    """
    if settings.DEBUG or settings.PUBLIC_BASE_URL_SET:
        return []
    return [
        Error(
            f"PUBLIC_BASE_URL is not set, so links to clients and staff point at "
            f"{settings.PUBLIC_BASE_URL}.",
            hint="Set PUBLIC_BASE_URL to the https:// origin clients and staff open Hona at.",
            id="hona.E001",
        )
    ]
