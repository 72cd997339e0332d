from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from hona.http import AuthenticatedHttpRequest
from messaging.actions import set_thread_project
from messaging.models import Thread
from messaging.queries import client_names, clients_with_threads, get_thread_for_user
from projects import queries
from projects.models import Project

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
        request.user, search=search, page=page, clients=client_names()
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


def _chosen_thread(project: Project, client: str | None) -> Thread | None:
    """The thread of the client picked among a project's several clients, if one was."""
    clients: list[Any] = getattr(project, "client_list", [])  # prefetched by the query
    chosen = next((c for c in clients if str(c.pk) == client), None)
    return chosen.thread if chosen is not None else None


@login_required
@require_GET
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Project Details, expanded in place on the dashboard (or as a page of its own)."""
    project = queries.get_project_for_user(request.user, pk, clients=clients_with_threads())
    tab = request.GET.get("tab", "details")
    tab = tab if tab in TABS else "details"
    context = {
        "active_nav": "projects",
        "project": project,
        "tab": tab,
        "chosen": _chosen_thread(project, request.GET.get("client")),
    }
    if request.htmx:
        return render(request, "projects/project_list.html#project-details", context)
    return render(request, "projects/project_detail.html", context)


def _client_thread(request: AuthenticatedHttpRequest, project: Project, thread_pk: int) -> Thread:
    """The thread of one of this project's clients, in the user's firm; 404 otherwise."""
    thread = get_thread_for_user(request.user, thread_pk)
    clients: list[Any] = getattr(project, "client_list", [])  # prefetched by the query
    if thread.contact_id not in {client.pk for client in clients}:
        raise Http404("That conversation is not with a client of this project.")
    return thread


@login_required
@require_http_methods(["GET", "POST"])
def project_filing(request: AuthenticatedHttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    """Where new messages of a client's thread are filed, seen from this project's Messages tab;
    POST files them to this project ("File to <project> instead")."""
    project = queries.get_project_for_user(request.user, pk, clients=clients_with_threads())
    thread = _client_thread(request, project, thread_pk)
    if request.method == "POST":
        try:
            set_thread_project(thread=thread, project=project)
        except ValidationError as error:
            return HttpResponse(" ".join(error.messages), status=422)
        if not request.htmx:
            return redirect(reverse("projects:project-detail", args=[project.pk]) + "?tab=messages")
        thread = get_thread_for_user(request.user, thread.pk)
    response = render(
        request, "projects/project_list.html#filing-note", {"project": project, "thread": thread}
    )
    if request.method == "POST":
        # The thread below (its project selector) reloads to show the change.
        trigger_client_event(response, "filing-changed", {"id": thread.pk})
    return response
