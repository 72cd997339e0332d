from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/badge/", views.badge, name="badge"),
    path("notifications/unread/", views.unread_list, name="unread-list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
