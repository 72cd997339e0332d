"""The unread badge in the top bar and the list it opens."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from hona.http import AuthenticatedHttpRequest, safe_next
from hona.models import User
from notifications.actions import dismiss_settings_banner, mark_notification_read, save_own_settings
from notifications.forms import NotificationSettingsForm
from notifications.models import Notification, NotificationSettings
from notifications.queries import badge_counts, unread_notices, unread_threads_for_badge


@never_cache
@login_required
@require_GET
def badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The badge alone: polled, and refreshed whenever a page says "unread-changed"."""
    counts = badge_counts(request.user)
    context = {
        "unread_count": counts.threads,
        "notice_count": counts.notices,
        "unread_outside_count": counts.outside,
    }
    return render(request, "notifications/badge.html#unread-count", context)


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
    return redirect(
        safe_next(request, request.POST.get("next"), fallback=reverse("notifications:unread-list"))
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own settings: the only place they change, and only by their owner."""
    current = NotificationSettings.objects.filter(user=request.user).first()
    form = NotificationSettingsForm(
        request.POST or None, instance=current or NotificationSettings(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        save_own_settings(user=request.user, form_data=form.cleaned_data)
        flash.success(request, "Your notification settings are saved.")
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"active_nav": "settings", "form": form, "firm": request.user.organization},
    )


@login_required
@require_GET
def team_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Firm admins see their team's settings, read-only; nobody but the owner changes them."""
    if not request.user.is_firm_admin:
        raise Http404("Only firm admins see the team's settings.")
    team = (
        User.objects.filter(organization=request.user.organization, is_active=True)
        .select_related("notification_settings")
        .order_by("display_name", "username")
    )
    rows = [(member, _settings_or_default(member)) for member in team]
    return render(request, "notifications/team.html", {"active_nav": "settings", "rows": rows})


def _settings_or_default(user: User) -> NotificationSettings:
    try:
        return user.notification_settings
    except NotificationSettings.DoesNotExist:
        return NotificationSettings(user=user)


@login_required
@require_POST
def dismiss_banner(request: AuthenticatedHttpRequest) -> HttpResponse:
    dismiss_settings_banner(user=request.user)
    if request.htmx:
        return HttpResponse("")
    return redirect(safe_next(request, request.POST.get("next"), fallback=reverse("home")))


@login_required
@require_GET
def notification_center(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every notice of this user, newest first, paginated."""
    notices = Notification.objects.filter(user=request.user).select_related("thread__contact")
    page = Paginator(notices.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/center.html", {"active_nav": "settings", "page": page})
