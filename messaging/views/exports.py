"""Evidence exports: asked for from a thread or a project, built by a task, downloaded by whoever
asked from the export's own page (which a notification links to when it is ready)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hona.http import AuthenticatedHttpRequest
from messaging import queries
from messaging.export import start_export
from messaging.models import ExportRecord
from messaging.views.files import stored_file_response
from notifications.actions import mark_export_notices_read
from projects.models import Project


@login_required
@require_POST
def thread_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """POST (it writes an audit row): ask for the thread's whole record as a checkable ZIP."""
    thread = queries.get_thread_for_user(request.user, pk)
    export = start_export(user=request.user, thread=thread)
    return redirect("messaging:export-detail", pk=export.pk)


@login_required
@require_POST
def project_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every message filed to the project, from every client's thread, as one ZIP."""
    if request.user.organization_id is None:
        raise Http404
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    export = start_export(user=request.user, project=project)
    return redirect("messaging:export-detail", pk=export.pk)


def _own_export(request: AuthenticatedHttpRequest, pk: int) -> ExportRecord:
    """An export the signed-in staff member asked for: anyone else's answers 404."""
    return get_object_or_404(
        ExportRecord.objects.for_user(request.user).select_related(
            "exported_by", "thread__contact", "project"
        ),
        pk=pk,
        exported_by=request.user,
    )


@never_cache
@login_required
@require_GET
def export_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The export's page: preparing (it asks again every 2 s), ready to download, or failed."""
    export = _own_export(request, pk)
    if export.status != ExportRecord.Status.BUILDING:
        mark_export_notices_read(user=request.user, export=export)
    template = "messaging/export_detail.html"
    if request.htmx:
        template += "#export-status"
    return render(request, template, {"export": export})


@login_required
@require_GET
def export_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if export.status != ExportRecord.Status.READY:
        raise Http404("This export is not ready.")
    response = stored_file_response(export, as_attachment=True, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
