"""The unread badge in the top bar and the list it opens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from hona.http import AuthenticatedHttpRequest
from messaging.queries import unread_threads_for_badge
from notifications.actions import mark_notification_read
from notifications.models import Notification
from notifications.queries import badge_counts, unread_notices


@never_cache
@login_required
@require_GET
def badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The badge alone: polled, and refreshed whenever a page says "unread-changed"."""
    return render(
        request,
        "notifications/badge.html#unread-count",
        dict(zip(("unread_count", "notice_count"), badge_counts(request.user), strict=True)),
    )


@never_cache
@login_required
@require_GET
def unread_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Projects (or contacts without one) with messages this user has not seen."""
    threads = unread_threads_for_badge(request.user)
    template = (
        "notifications/badge.html#unread-list" if request.htmx else "notifications/unread.html"
    )
    context = {
        "threads": threads,
        "notices": unread_notices(request.user),
        "active_nav": "conversations",
    }
    return render(request, template, context)


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one notice as read (only one's own: another user's id is a 404)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    mark_notification_read(user=request.user, notification_id=notification.pk)
    if request.htmx:
        response = HttpResponse(status=204)
        return trigger_client_event(response, "unread-changed")
    return redirect(request.POST.get("next") or "notifications:unread-list")
