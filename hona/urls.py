from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hona import signin_views, two_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("settings/", views.settings_index, name="settings"),
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", signin_views.verify_code, name="two-factor-verify"),
    path(
        "accounts/password_reset/",
        signin_views.StaffPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("settings/two-factor/", two_factor_views.two_factor_settings, name="two-factor"),
    path("settings/two-factor/setup/", two_factor_views.two_factor_setup, name="two-factor-setup"),
    path(
        "settings/two-factor/recovery-codes/",
        two_factor_views.recovery_codes_regenerate,
        name="two-factor-recovery-codes",
    ),
    path(
        "settings/two-factor/turn-off/",
        two_factor_views.two_factor_turn_off,
        name="two-factor-turn-off",
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
