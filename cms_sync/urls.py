from django.urls import path

from cms_sync import views

app_name = "cms_sync"

urlpatterns = [
    path("cms/entries/<int:pk>/retry/", views.retry, name="entry-retry"),
    path("cms/messages/<int:pk>/refile/", views.refile, name="message-refile"),
    path("settings/integration/", views.integration_page, name="integration"),
    path("settings/integration/webhook/", views.connect_webhook, name="connect-webhook"),
    path("settings/integration/clio/", views.connect_clio, name="connect-clio"),
    path("settings/integration/clio/callback/", views.clio_callback, name="clio-callback"),
    path("settings/integration/disconnect/", views.disconnect, name="disconnect"),
    path("settings/integration/retry-failed/", views.retry_all, name="retry-all"),
    path("extension/panel/", views.extension_panel, name="extension-panel"),
    path("extension/status/", views.extension_status, name="extension-status"),
    path("extension/signed-in/", views.extension_signed_in, name="extension-signed-in"),
    path("cms/threads/<int:pk>/documents/", views.documents, name="thread-documents"),
    path("cms/threads/<int:pk>/documents/send/", views.attach_documents, name="thread-attach"),
]
