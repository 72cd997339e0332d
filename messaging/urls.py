from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("templates/", views.template_list, name="template-list"),
]
