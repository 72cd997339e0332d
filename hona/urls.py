from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hona import views
from hona.forms import StaffAuthenticationForm, StaffPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("settings/", views.settings_index, name="settings"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=StaffAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=StaffPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(extra_context={"active_nav": "settings"}),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(extra_context={"active_nav": "settings"}),
        name="password_change_done",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("messaging.urls")),
    path("", include("projects.urls")),
    path("", include("notifications.urls")),
    path("", include("cms_sync.urls")),
]
# Uploaded files are never served from MEDIA_URL: staff download them through a view that checks
# the firm, and Twilio fetches MMS media from signed, expiring links (messaging.views.media).
