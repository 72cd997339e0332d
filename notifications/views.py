"""The unread badge in the top bar and the list it opens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hona.http import AuthenticatedHttpRequest
from messaging.queries import unread_thread_count, unread_threads_for_badge


@never_cache
@login_required
@require_GET
def badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The badge alone: polled, and refreshed whenever a page says "unread-changed"."""
    return render(
        request,
        "notifications/badge.html#unread-badge",
        {"unread_count": unread_thread_count(request.user)},
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
    return render(request, template, {"threads": threads, "active_nav": "conversations"})
