"""HTTP for the staff screens of messaging, one module per screen: parse, check access, act,
render. The client portal is in messaging.portal_views, Twilio's webhooks in messaging.webhooks."""

from messaging.views.contacts import contact_edit
from messaging.views.conversations import conversation_list, new_conversation
from messaging.views.exports import (
    export_detail,
    export_download,
    project_export,
    thread_export,
)
from messaging.views.files import (
    attachment_download,
    cms_file,
    download,
    media,
    scheduled_file_download,
)
from messaging.views.live import stream
from messaging.views.templates import (
    template_create,
    template_delete,
    template_edit,
    template_list,
)
from messaging.views.threads import (
    colleagues,
    earlier_messages,
    portal_link,
    record_consent,
    request_consent,
    revoke_link,
    scheduled_cancel,
    scheduled_edit,
    scheduled_list,
    send,
    set_archived,
    set_flag,
    set_project,
    set_spam,
    thread_detail,
    thread_panel,
    thread_updates,
)

__all__ = [
    "attachment_download",
    "cms_file",
    "colleagues",
    "contact_edit",
    "conversation_list",
    "download",
    "earlier_messages",
    "export_detail",
    "export_download",
    "media",
    "new_conversation",
    "portal_link",
    "project_export",
    "record_consent",
    "request_consent",
    "revoke_link",
    "scheduled_cancel",
    "scheduled_edit",
    "scheduled_file_download",
    "scheduled_list",
    "send",
    "set_archived",
    "set_flag",
    "set_project",
    "set_spam",
    "stream",
    "template_create",
    "template_delete",
    "template_edit",
    "template_list",
    "thread_detail",
    "thread_export",
    "thread_panel",
    "thread_updates",
]
