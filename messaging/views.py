from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from hona.http import AuthenticatedHttpRequest
from messaging.models import MessageTemplate, Thread


@login_required
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    thread_count = Thread.objects.for_user(request.user).visible().count()
    return render(
        request,
        "messaging/conversation_list.html",
        {"active_nav": "conversations", "thread_count": thread_count},
    )


@login_required
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    templates = MessageTemplate.objects.for_user(request.user).select_related("created_by")
    return render(
        request, "messaging/template_list.html", {"active_nav": "templates", "templates": templates}
    )
