from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest

from hona.actions import sync_admin_site_access
from hona.admin_site import FirmScopedAdmin, firm_admin_of, is_support
from hona.models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "sms_number", "timezone", "created_at"]
    search_fields = ["name", "sms_number"]
    list_filter = ["timezone"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        queryset = super().get_queryset(request)
        if is_support(request):
            return queryset
        admin_user = firm_admin_of(request)
        return queryset.filter(pk=admin_user.organization_id) if admin_user else queryset.none()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support(request) or firm_admin_of(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_support(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a firm's history is never deleted

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Inbound texts are routed by this number: only support may change it.
        return [] if is_support(request) else ["sms_number"]


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "organization", "role")


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(FirmScopedAdmin, DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = [
        "username",
        "display_name",
        "email",
        "organization",
        "role",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    ordering = ["organization__name", "username"]
    firm_admin_can_delete = False  # deactivate instead: their messages keep their name

    support_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("display_name", "first_name", "last_name", "email")}),
        ("Firm", {"fields": ("organization", "role", "is_active")}),
        ("Platform support", {"fields": ("is_superuser",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    firm_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("display_name", "first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Access", {"fields": ("role",)}),
    )
    support_add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Firm", {"fields": ("organization", "role")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.support_add_fieldsets if is_support(request) else self.add_fieldsets
        return self.support_fieldsets if is_support(request) else self.firm_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk and not is_support(request):
            readonly += ["role", "is_active"]  # a firm admin cannot lock themselves out
        return readonly

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return []  # the fieldsets above already say what each kind of admin may edit

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        admin_user = firm_admin_of(request)
        if admin_user is not None:
            obj.organization_id = admin_user.organization_id
            obj.is_superuser = False
        sync_admin_site_access(obj)
        super().save_model(request, obj, form, change)
