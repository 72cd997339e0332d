from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hona.admin_site import FirmScopedAdmin
from notifications.models import NotificationSettings


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(FirmScopedAdmin):
    """Read-only for everyone: only the owner changes their settings, on their own page."""

    organization_field = "user__organization"
    list_display = ["user", "scope", "in_app", "email_immediately", "daily_digest", "weekly_digest"]
    list_filter = ["scope", "email_immediately"]
    search_fields = ["user__username", "user__display_name"]
    firm_admin_can_add = False
    firm_admin_can_change = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
