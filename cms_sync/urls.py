from django.urls import path

from cms_sync import views

app_name = "cms_sync"

urlpatterns = [
    path("cms/entries/<int:pk>/retry/", views.retry, name="entry-retry"),
]
