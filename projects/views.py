from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from hona.http import AuthenticatedHttpRequest
from projects.models import Project


@login_required
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    project_count = Project.objects.for_user(request.user).count()
    return render(
        request,
        "projects/project_list.html",
        {"active_nav": "projects", "project_count": project_count},
    )
