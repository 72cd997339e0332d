"""Every write to contacts, threads, messages, templates and read state goes through here."""

from messaging.actions.contacts import (
    apply_phone,
    check_line_type,
    client_consented,
    create_contact,
    mark_phone_not_textable,
    record_consent,
    request_consent,
    revoke_portal_links,
    set_sms_opt_out,
    start_conversation,
    update_contact,
)
from messaging.actions.messages import (
    PREVIEW_LENGTH,
    REDACTED_TEXT,
    preview_of,
    receive_portal_message,
    record_message,
    redact_messages,
    remove_stored_files,
    send_message,
)
from messaging.actions.notes import write_note
from messaging.actions.quota import QUOTA_WINDOW, QuotaReached, check_staff_quota
from messaging.actions.scheduled import (
    cancel_scheduled,
    edit_scheduled,
    schedule_message,
    send_due_messages,
)
from messaging.actions.templates import create_template, delete_template, update_template
from messaging.actions.threads import (
    add_contact_to_project,
    ensure_thread,
    mark_thread_read,
    mark_thread_unread_for_colleagues,
    set_thread_archived,
    set_thread_flag,
    set_thread_project,
    set_thread_spam,
)
from messaging.uploads import NewFile

__all__ = [
    "PREVIEW_LENGTH",
    "QUOTA_WINDOW",
    "REDACTED_TEXT",
    "NewFile",
    "QuotaReached",
    "add_contact_to_project",
    "apply_phone",
    "cancel_scheduled",
    "check_line_type",
    "check_staff_quota",
    "client_consented",
    "create_contact",
    "create_template",
    "delete_template",
    "edit_scheduled",
    "ensure_thread",
    "mark_phone_not_textable",
    "mark_thread_read",
    "mark_thread_unread_for_colleagues",
    "preview_of",
    "receive_portal_message",
    "record_consent",
    "record_message",
    "redact_messages",
    "remove_stored_files",
    "request_consent",
    "revoke_portal_links",
    "schedule_message",
    "send_due_messages",
    "send_message",
    "set_sms_opt_out",
    "set_thread_archived",
    "set_thread_flag",
    "set_thread_project",
    "set_thread_spam",
    "start_conversation",
    "update_contact",
    "update_template",
    "write_note",
]
