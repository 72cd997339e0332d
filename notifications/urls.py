from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/badge/", views.badge, name="badge"),
    path("notifications/unread/", views.unread_list, name="unread-list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/", views.notification_center, name="center"),
    path("settings/notifications/", views.notification_settings, name="settings"),
    path("settings/notifications/team/", views.team_settings, name="team-settings"),
    path("settings/notifications/welcome/", views.dismiss_banner, name="dismiss-banner"),
]
