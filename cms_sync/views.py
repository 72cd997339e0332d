from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cms_sync.actions import retry_entry
from cms_sync.models import OutboxEntry
from hona.http import AuthenticatedHttpRequest


@login_required
@require_POST
def retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Try a failed filing again (another firm's entry is a 404)."""
    entry = get_object_or_404(
        OutboxEntry.objects.select_related("message__thread", "message__project"),
        pk=pk,
        organization_id=request.user.organization_id,
    )
    retry_entry(entry=entry)
    message = entry.message
    if not request.htmx:
        return redirect("messaging:thread-detail", pk=message.thread_id)
    thread = message.thread
    thread.cms_active = True  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/conversations.html#filing-receipt",
        {"message": message, "thread": thread},
    )
