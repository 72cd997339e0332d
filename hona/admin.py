from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from hona import actions as hona_actions
from hona import two_factor
from hona.actions import sync_admin_site_access
from hona.admin_site import FirmScopedAdmin, firm_admin_of, is_support
from hona.forms import UniqueEmailMixin
from hona.models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "sms_number", "timezone", "require_two_factor", "created_at"]
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


class StaffCreationForm(UniqueEmailMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "email", "organization", "role")


class StaffChangeForm(UniqueEmailMixin, UserChangeForm):
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
        ("Sign-in security", {"fields": ("sign_in_status", "two_factor_status")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    firm_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("display_name", "first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Sign-in security", {"fields": ("sign_in_status", "two_factor_status")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
        ("Access", {"fields": ("role",)}),
    )
    support_add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
        ("Firm", {"fields": ("organization", "role")}),
    )
    readonly_fields = ["last_login", "date_joined", "sign_in_status", "two_factor_status"]
    # Both act only on the rows this admin may see: a firm admin's own firm, or every firm.
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.display(description="Sign-in")
    def sign_in_status(self, obj: User) -> str:
        locked = _active_lockouts(obj)
        if not locked:
            return "Not locked"
        return (
            f"Locked after too many wrong passwords (from {locked} "
            f"{'address' if locked == 1 else 'addresses'}). Use “Unlock sign-in” to lift it."
        )

    @admin.display(description="Two-factor sign-in")
    def two_factor_status(self, obj: User) -> str:
        if not two_factor.has_two_factor(obj):
            return "Not set up"
        left = two_factor.recovery_codes_left(obj)
        return f"On (authenticator app; {left} recovery codes left)"

    @admin.action(
        description="Unlock sign-in (after too many wrong passwords)", permissions=["change"]
    )
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            hona_actions.unlock_sign_in(user=user)
        self.message_user(request, f"Sign-in unlocked for {len(queryset)} user(s).")

    @admin.action(
        description="Reset two-factor sign-in (lost phone and recovery codes)",
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            hona_actions.turn_off_two_factor(user=user)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {len(queryset)} user(s). Where it is required, "
            "they set it up again at their next sign-in.",
        )

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


def _active_lockouts(user: User) -> int:
    """From how many client addresses this user's sign-in is locked right now."""
    return AccessAttempt.objects.filter(
        username=user.get_username(),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).count()
