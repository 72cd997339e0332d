from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from hona.models import User


class StaffAuthenticationForm(AuthenticationForm):
    """Sign in with a username or the email address on the account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        if "@" in username:
            match = (
                User.objects.filter(email__iexact=username, is_active=True)
                .values_list("username", flat=True)
                .first()
            )
            if match:
                self.cleaned_data["username"] = match
        return super().clean()


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, for staff of a firm and support only (never a client)."""

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if user.organization_id is not None or user.is_superuser:
                yield user
