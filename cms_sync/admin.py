"""Platform support sees the outbox and the integrations (never their secrets)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cms_sync.models import Integration, OutboxEntry, RefileAudit
from hona.admin_site import is_support


class SupportOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_support(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEntry)
class OutboxEntryAdmin(SupportOnlyAdmin):
    list_display = ["key", "organization", "kind", "status", "attempts", "cms_id", "created_at"]
    list_filter = ["status", "kind", "organization"]
    search_fields = ["key", "case_id", "cms_id", "last_error"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]


@admin.register(Integration)
class IntegrationAdmin(SupportOnlyAdmin):
    list_display = ["organization", "kind", "status", "last_success_at", "connected_at"]
    list_filter = ["kind", "status"]
    fields = readonly_fields = (
        "organization",
        "kind",
        "status",
        "status_reason",
        "webhook_url",
        "token_expires_at",
        "connected_by",
        "connected_at",
        "disconnected_at",
        "last_success_at",
    )


@admin.register(RefileAudit)
class RefileAuditAdmin(SupportOnlyAdmin):
    list_display = ["message", "user", "from_project", "to_project", "created_at"]
