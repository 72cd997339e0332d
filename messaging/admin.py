from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from hona.admin_site import FirmScopedAdmin, ReadOnlyFirmScopedAdmin, is_support
from messaging import actions
from messaging.models import Attachment, Contact, Message, MessageTemplate, Thread


class ContactAdminForm(forms.ModelForm):
    phone = forms.CharField(
        required=False,
        max_length=40,
        help_text="Any common format, such as (415) 555-0134 or +1 415 555 0134.",
    )

    class Meta:
        model = Contact
        fields = [
            "organization",
            "kind",
            "name",
            "phone",
            "email",
            "notification_preference",
            "projects",
        ]

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone") or ""
        try:
            actions.apply_phone(self.instance, raw)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return self.instance.phone


@admin.register(Contact)
class ContactAdmin(FirmScopedAdmin):
    form = ContactAdminForm
    list_display = [
        "name",
        "kind",
        "phone",
        "sender_id",
        "phone_textable",
        "email",
        "sms_opted_out",
        "organization",
    ]
    list_filter = ["kind", "phone_textable", "sms_opted_out", "notification_preference"]
    search_fields = ["name", "phone", "sender_id", "email"]
    filter_horizontal = ["projects"]
    # Opt-out follows the client's own STOP / START texts, never a staff member's click.
    readonly_fields = [
        "sender_id",
        "phone_status",
        "sms_opted_out",
        "sms_opted_out_at",
        "created_at",
        "updated_at",
    ]
    firm_admin_can_delete = False  # a contact's thread is never deleted, so neither is the contact

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Can receive texts")
    def phone_status(self, obj: Contact) -> str:
        if not obj.phone:
            return "No phone number"
        if obj.sms_opted_out:
            return "Opted out of SMS"
        return "Yes" if obj.phone_textable else f"No — {obj.phone_not_textable_reason}"

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        before = Contact.objects.filter(pk=obj.pk).values_list("phone", "email").first()
        if (
            change
            and before is not None
            and (before[0], before[1].lower())
            != (
                obj.phone,
                obj.email.lower(),
            )
        ):
            # Links sent to the old number or address end, as when staff edit it in the product.
            obj.portal_revoked_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actions.ensure_thread(contact=form.instance)


class MessageInline(admin.TabularInline):
    model = Message
    fields = readonly_fields = ("created_at", "direction", "sender", "channel", "status", "body")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("sender")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyFirmScopedAdmin):
    """Threads are read here and never deleted; flags, archive and spam change in the product."""

    list_display = [
        "contact",
        "current_project",
        "is_flagged",
        "is_archived",
        "is_spam",
        "last_message_at",
    ]
    list_filter = ["is_flagged", "is_archived", "is_spam"]
    search_fields = ["contact__name", "contact__phone", "contact__email"]
    list_select_related = ["contact", "current_project", "organization"]
    inlines = [MessageInline]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = readonly_fields = ("filename", "content_type", "size", "source", "file")
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(ReadOnlyFirmScopedAdmin):
    """Messages are never deleted; platform support may redact their content."""

    list_display = [
        "created_at",
        "thread",
        "direction",
        "sender",
        "channel",
        "status",
        "short_body",
    ]
    list_filter = ["direction", "channel", "status", "created_at"]
    search_fields = ["body", "thread__contact__name", "provider_sid"]
    list_select_related = ["thread__contact", "sender"]
    date_hierarchy = "created_at"
    inlines = [AttachmentInline]
    actions = ["redact"]
    readonly_fields = [
        "thread",
        "direction",
        "body",
        "sender",
        "channel",
        "status",
        "provider_sid",
        "error_code",
        "error_reason",
        "project",
        "created_at",
        "status_changed_at",
        "redacted_at",
    ]
    exclude = ["organization"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        if not is_support(request):
            found.pop("redact", None)
        return found

    @admin.action(description="Redact text and files (platform support)")
    def redact(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        if not is_support(request):
            return
        count = actions.redact_messages(messages=list(queryset))
        self.message_user(request, f"Redacted {count} message(s).")

    @admin.display(description="Text")
    def short_body(self, obj: Message) -> str:
        return obj.body[:80] + ("…" if len(obj.body) > 80 else "")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(FirmScopedAdmin):
    list_display = ["name", "organization", "created_by", "updated_at"]
    search_fields = ["name", "body"]
    list_filter = ["updated_at"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    firm_admin_can_delete = True

    def save_model(
        self, request: HttpRequest, obj: MessageTemplate, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
