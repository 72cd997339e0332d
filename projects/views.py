from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hona.http import AuthenticatedHttpRequest
from messaging.queries import clients_with_threads
from projects import queries

TABS = ("details", "messages")


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@login_required
@require_GET
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    page = _page_number(request.GET.get("page"))
    projects, has_more = queries.project_page(
        request.user, search=search, page=page, clients=clients_with_threads()
    )
    context = {
        "active_nav": "projects",
        "projects": projects,
        "search": search,
        "page": page,
        "has_more": has_more,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "projects/project_list.html#project-results", context)
    return render(request, "projects/project_list.html", context)


@login_required
@require_GET
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Project Details, expanded in place on the dashboard (or as a page of its own)."""
    project = queries.get_project_for_user(request.user, pk)
    tab = request.GET.get("tab", "details")
    tab = tab if tab in TABS else "details"
    context = {"active_nav": "projects", "project": project, "tab": tab}
    if request.htmx:
        return render(request, "projects/project_list.html#project-details", context)
    return render(request, "projects/project_detail.html", context)
