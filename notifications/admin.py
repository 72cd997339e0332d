from __future__ import annotations

from django.contrib import admin

from hona.admin_site import ReadOnlyFirmScopedAdmin
from notifications.models import NotificationSettings


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(ReadOnlyFirmScopedAdmin):
    """Read-only for everyone: only the owner changes their settings, on their own page."""

    organization_field = "user__organization"
    list_display = ["user", "scope", "in_app", "email_immediately", "daily_digest", "weekly_digest"]
    list_filter = ["scope", "email_immediately"]
    search_fields = ["user__username", "user__display_name"]
