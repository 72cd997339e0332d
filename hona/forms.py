from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from hona.models import EMAIL_TAKEN, User


def account_for_email(email: str) -> User | None:
    """The one account with this email (in any letter case), or None."""
    matches = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
    return matches[0] if len(matches) == 1 else None


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
            # Emails are unique across firms (ignoring case), so this is one person or nobody;
            # the lockout then counts the attempts under that person's username.
            match = account_for_email(username)
            if match is not None:
                self.cleaned_data["username"] = match.get_username()
        return super().clean()


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, for staff of a firm and support only (never a client)."""

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if user.organization_id is not None or user.is_superuser:
                yield user

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The link's host comes from PUBLIC_BASE_URL, never from the request's Host header,
        # which whoever asks for the reset chooses.
        public = urlsplit(settings.PUBLIC_BASE_URL)
        kwargs["domain_override"] = public.netloc
        kwargs["use_https"] = public.scheme == "https"
        super().save(*args, **kwargs)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.RegexField(
        label="6-digit code from the app",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": "Enter the 6 digits your app shows, such as 123456."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7}
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


class UniqueEmailMixin:
    """For a user form: a clear error on the email field for an address another account uses.

    The database constraint (user_email_unique_ci) is what guarantees it; this names the field.
    """

    cleaned_data: dict[str, Any]
    instance: User

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email") or "").strip()
        if email:
            others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
            if others.exists():
                raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email
