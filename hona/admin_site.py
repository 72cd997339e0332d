"""The admin site: platform support sees every firm; a firm admin sees only their own firm."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from hona.models import User


class HonaAdminSite(admin.AdminSite):
    site_header = "Hona Messaging administration"
    site_title = "Hona Messaging"
    index_title = "Firm administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or getattr(user, "is_firm_admin", False))
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One way in for everyone: the product's sign-in, with its lockout and code step.

        The admin's own password-only form would let a user who set up two-factor sign-in in
        without their code.
        """
        if request.user.is_authenticated:
            # Signed in but not allowed here: the admin sends such visitors to its login page.
            messages.error(request, "Firm administration is only for firm admins and support.")
            return redirect("home")
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)


def is_support(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def firm_admin_of(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active and user.is_firm_admin and not user.is_superuser:
        return user
    return None


class FirmScopedAdmin(admin.ModelAdmin):
    """Rows of one firm for a firm admin, every row for support.

    Firm admins hold no Django model permissions; what they may do is decided here, so a new
    permission granted by mistake cannot widen it.
    """

    firm_admin_can_add = True
    firm_admin_can_change = True
    firm_admin_can_delete = False
    organization_field = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_support(request):
            return queryset
        admin_user = firm_admin_of(request)
        if admin_user is None:
            return queryset.none()
        return queryset.filter(**{f"{self.organization_field}_id": admin_user.organization_id})

    def _allowed(self, request: HttpRequest, firm_admin_flag: bool, support_default: bool) -> bool:
        if is_support(request):
            return support_default
        return firm_admin_of(request) is not None and firm_admin_flag

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support(request) or firm_admin_of(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.firm_admin_can_add, True)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.firm_admin_can_change, True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.firm_admin_can_delete, True)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_support(request) and self.organization_field == "organization":
            excluded.append("organization")
        return excluded

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if not is_support(request) and self.organization_field == "organization":
            fields = [name for name in fields if name != "organization"]
        return fields

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if is_support(request) and self.organization_field == "organization":
            filters.insert(0, "organization")
        return filters

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._scope_choices(field, request)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._scope_choices(field, request)

    def _scope_choices(self, field: Any, request: HttpRequest) -> Any:
        admin_user = firm_admin_of(request)
        if field is None or admin_user is None or not hasattr(field, "queryset"):
            return field
        model = field.queryset.model
        if _has_organization(model):
            field.queryset = field.queryset.filter(organization_id=admin_user.organization_id)
        return field

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_user = firm_admin_of(request)
        if admin_user is None or self.organization_field != "organization":
            return form_class
        organization_id = admin_user.organization_id

        class FirmForm(form_class):  # type: ignore[misc, valid-type]
            """Puts the row in the admin's firm before validation, so uniqueness is checked."""

            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                self.instance.organization_id = organization_id

            def _get_validation_exclusions(self) -> set[str]:
                excluded: set[str] = super()._get_validation_exclusions()
                excluded.discard("organization")
                return excluded

        return FirmForm

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        admin_user = firm_admin_of(request)
        if admin_user is not None and self.organization_field == "organization":
            obj.organization_id = admin_user.organization_id
        super().save_model(request, obj, form, change)


def _has_organization(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("organization")
    except Exception:
        return False
    return isinstance(field, models.ForeignKey)


class ReadOnlyFirmScopedAdmin(FirmScopedAdmin):
    """Rows that are read in the admin but changed only in the product (or never)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
