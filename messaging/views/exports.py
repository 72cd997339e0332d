"""Evidence exports: a thread's or a project's ZIP, downloaded by the firm's staff."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from hona.http import AuthenticatedHttpRequest
from messaging import queries
from messaging.export import Export, build_export
from projects.models import Project


def _download(export: Export) -> FileResponse:
    response = FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type="application/zip"
    )
    response["Content-Length"] = str(export.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def thread_export(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """POST (it writes an audit row): the thread's whole record as a checkable ZIP."""
    thread = queries.get_thread_for_user(request.user, pk)
    return _download(build_export(user=request.user, thread=thread))


@login_required
@require_POST
def project_export(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Every message filed to the project, from every client's thread, as one ZIP."""
    if request.user.organization_id is None:
        raise Http404
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    return _download(build_export(user=request.user, project=project))
