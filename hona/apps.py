from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from hona import checks  # noqa: F401 - registers the deploy checks


class HonaConfig(AppConfig):
    default = True
    name = "hona"
    verbose_name = "Firms and staff"

    def ready(self) -> None:
        from hona import ticker

        ticker.start()  # beat's schedule, on the embedded default's development server only


class HonaAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "hona.admin_site.HonaAdminSite"
