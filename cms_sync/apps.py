from django.apps import AppConfig


class CmsSyncConfig(AppConfig):
    name = "cms_sync"
    verbose_name = "CMS filing"
