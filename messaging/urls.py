from django.urls import path

from messaging import portal_views, simulator, views, webhooks

app_name = "messaging"

urlpatterns = [
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("conversations/new/", views.new_conversation, name="conversation-new"),
    path("conversations/<int:pk>/", views.thread_detail, name="thread-detail"),
    path("conversations/<int:pk>/panel/", views.thread_panel, name="thread-panel"),
    path("conversations/<int:pk>/earlier/", views.earlier_messages, name="thread-earlier"),
    path("conversations/<int:pk>/updates/", views.thread_updates, name="thread-updates"),
    path("conversations/<int:pk>/send/", views.send, name="thread-send"),
    path("conversations/<int:pk>/colleagues/", views.colleagues, name="thread-colleagues"),
    path("conversations/<int:pk>/flag/", views.set_flag, name="thread-flag"),
    path("conversations/<int:pk>/archive/", views.set_archived, name="thread-archive"),
    path("conversations/<int:pk>/spam/", views.set_spam, name="thread-spam"),
    path("conversations/<int:pk>/project/", views.set_project, name="thread-project"),
    path("conversations/<int:pk>/portal-link/", views.portal_link, name="thread-portal-link"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path(
        "scheduled-files/<int:pk>/", views.scheduled_file_download, name="scheduled-file-download"
    ),
    path("media/<str:token>/", views.media, name="media"),
    path("files/<str:token>/", views.download, name="download"),
    path("cms-files/<str:token>/", views.cms_file, name="cms-file"),
    path("webhooks/twilio/messages/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("webhooks/twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("p/<str:token>/", portal_views.portal_open, name="portal-open"),
    path("portal/", portal_views.portal_thread, name="portal-thread"),
    path("portal/updates/", portal_views.portal_updates, name="portal-updates"),
    # Live streams under one prefix, so a proxy sends /live/ to the stream server (README).
    path("live/", views.stream, name="live"),
    path("live/portal/", portal_views.portal_stream, name="portal-live"),
    path("portal/send/", portal_views.portal_send, name="portal-send"),
    path("portal/files/<int:pk>/", portal_views.portal_file, name="portal-file"),
    path("conversations/<int:pk>/revoke-link/", views.revoke_link, name="thread-revoke-link"),
    path("conversations/<int:pk>/consent/", views.record_consent, name="thread-consent"),
    path("conversations/<int:pk>/export/", views.thread_export, name="thread-export"),
    path("exports/projects/<int:pk>/", views.project_export, name="project-export"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("conversations/<int:pk>/scheduled/", views.scheduled_list, name="scheduled-list"),
    path(
        "conversations/<int:pk>/scheduled/<int:scheduled_pk>/cancel/",
        views.scheduled_cancel,
        name="scheduled-cancel",
    ),
    path(
        "conversations/<int:pk>/scheduled/<int:scheduled_pk>/edit/",
        views.scheduled_edit,
        name="scheduled-edit",
    ),
    path(
        "conversations/<int:pk>/consent-request/",
        views.request_consent,
        name="thread-consent-request",
    ),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("dev/phone/", simulator.phone, name="phone-simulator"),
    path("dev/phone/reply/", simulator.phone_reply, name="phone-reply"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
]
