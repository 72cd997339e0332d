"""Input validation for the messaging screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from hona.phones import parse_phone
from messaging.models import MAX_BODY, Contact, MessageTemplate


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data]
        return [self._clean_one(item, initial) for item in items if item]

    def _clean_one(self, item: Any, initial: Any) -> Any:
        try:
            return super().clean(item, initial)
        except ValidationError as error:
            name = getattr(item, "name", "") or "A file"
            if error.code == "empty":
                raise ValidationError(
                    f"{name} is empty. Choose the file again, or another file.", code="empty"
                ) from None
            raise ValidationError(f"{name}: {' '.join(error.messages)}", code=error.code) from None


class ComposerForm(forms.Form):
    """The message box, for staff and in the client portal. How many files, how large and of
    which kinds is checked by the actions (messaging/uploads.py), for every caller alike."""

    noun = "message"  # what the box writes, in its errors
    nothing_written = "Write a message or attach a file."

    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a message…"}),
        label="Message",
    )
    attachments = MultipleFileField(required=False, label="Files")

    def clean_body(self) -> str:
        body: str = self.cleaned_data.get("body") or ""
        # Browsers send newlines as CRLF: count and store each as one character, like the counter.
        body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(body) > MAX_BODY:
            raise ValidationError(
                f"This {self.noun} is {len(body):,} characters long; the limit is {MAX_BODY:,}. "
                f"Shorten it or split it into two {self.noun}s."
            )
        return body

    def has_something(self, cleaned: dict[str, Any]) -> bool:
        return bool(cleaned.get("body") or cleaned.get("attachments"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.has_something(cleaned):
            raise ValidationError(self.nothing_written)
        return cleaned


class NoteComposerForm(ComposerForm):
    """The staff message box on its "Internal note" tab: the same text rules; a note is text."""

    noun = "note"
    nothing_written = "An internal note needs some text."

    def has_something(self, cleaned: dict[str, Any]) -> bool:
        return bool(cleaned.get("body"))


class PortalComposerForm(ComposerForm):
    """The portal's message box. `key` names one reply across its retries, so a reply whose
    answer was lost on the way back is not stored twice when the client presses Retry."""

    key = forms.RegexField(r"^[0-9a-f]{32}$", required=False)


class NewConversationForm(forms.Form):
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(
        required=False,
        max_length=40,
        label="Phone number",
        help_text="Any common format, such as (415) 555-0134.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(required=False, label="Email address")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id

    def clean_contact(self) -> Contact | None:
        pk = self.cleaned_data.get("contact")
        if not pk:
            return None
        contact = Contact.objects.for_organization(self.organization_id).filter(pk=pk).first()
        if contact is None:
            raise ValidationError("That contact does not exist.")
        return contact

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone") or ""
        if phone.strip():
            parse_phone(phone)  # raises a ValidationError with a clear message
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not (
            cleaned.get("contact") or cleaned.get("phone") or cleaned.get("email")
        ):
            raise ValidationError("Choose a contact, or enter a phone number or an email address.")
        return cleaned


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6, "maxlength": MAX_BODY})}
        help_texts = {"body": f"At most {MAX_BODY:,} characters, like a message."}

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization_id = organization_id

    def _get_validation_exclusions(self) -> set[str]:
        excluded: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        excluded.discard("organization")  # so "a template with this name" is a form error
        return excluded

    def clean_body(self) -> str:
        body: str = self.cleaned_data.get("body") or ""
        if len(body) > MAX_BODY:
            raise ValidationError(f"A template can be at most {MAX_BODY:,} characters long.")
        return body


class ProjectChoiceForm(forms.Form):
    project = forms.IntegerField(required=False)


class ContactForm(forms.ModelForm):
    phone = forms.CharField(
        required=False,
        max_length=40,
        label="Mobile phone",
        help_text="Any common format, such as (415) 555-0134. Leave empty for email only.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    class Meta:
        model = Contact
        fields = ["name", "kind", "phone", "email", "notification_preference"]
        labels = {"notification_preference": "Notification preference"}
        help_texts = {
            "notification_preference": "How automated notices (such as “a new file is waiting "
            "for you”) reach this client. Two-way messages to a textable number always go by SMS."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.phone:
            self.initial["phone"] = self.instance.phone_display

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone") or ""
        if phone.strip():
            parse_phone(phone)
        return phone

    def _post_clean(self) -> None:
        # Phone normalisation and uniqueness are checked by the update action.
        pass
