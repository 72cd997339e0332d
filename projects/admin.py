from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hona.admin_site import FirmScopedAdmin
from projects.models import Project


@admin.register(Project)
class ProjectAdmin(FirmScopedAdmin):
    list_display = ["name", "status", "cms_case_id", "client_names", "organization", "updated_at"]
    list_filter = ["status", "updated_at"]
    search_fields = ["name", "cms_case_id", "clients__name"]
    filter_horizontal = ["assigned_staff"]
    readonly_fields = ["client_names", "created_at", "updated_at"]
    fields = [
        "organization",
        "name",
        "status",
        "cms_case_id",
        "cms_case_url",
        "assigned_staff",
        "client_names",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("clients").distinct()

    @admin.display(description="Clients")
    def client_names(self, obj: Project) -> str:
        return ", ".join(contact.name for contact in obj.clients.all()) or "—"
