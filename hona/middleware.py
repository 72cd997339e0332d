from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import resolve
from django.utils import timezone

# The firm workspace: every page of these apps shows one firm's data to its staff.
WORKSPACE_NAMESPACES = frozenset({"messaging", "projects", "notifications", "cms_sync"})
# Pages of those apps that are not the workspace: signed links, webhooks and the client portal.
NOT_WORKSPACE = frozenset(
    {
        "media",
        "download",
        "cms-file",
        "twilio-inbound",
        "twilio-status",
        "portal-open",
        "portal-thread",
        "portal-updates",
        "portal-live",
        "portal-send",
        "portal-file",
    }
)


# Paths only Twilio calls (hona/urls.py → messaging.webhooks): signed by Twilio, never by a browser.
LEAN_PATHS = ("/webhooks/twilio/",)


class LeanWebhookMiddleware:
    """Twilio's webhooks skip every middleware after this one: no session, user, CSRF (they are
    signed instead), messages, CSP, two-factor or lockout. Each is on the path of every text a
    client sends, where a millisecond is a share of the database's throughput (issue 13)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(LEAN_PATHS):
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response


class OrganizationTimezoneMiddleware:
    """Show every time in the signed-in user's firm's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        organization = getattr(user, "organization", None) if user is not None else None
        if organization is not None:
            timezone.activate(organization.timezone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class FirmWorkspaceMiddleware:
    """A signed-in account without a firm (platform support) gets a clear page, not the staff
    workspace: every workspace page reads and writes one firm's data, and support has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if (
            user is None
            or not user.is_authenticated
            or getattr(user, "organization_id", None) is not None
            or match is None
            or match.namespace not in WORKSPACE_NAMESPACES
            or match.url_name in NOT_WORKSPACE
        ):
            return None
        return render(request, "hona/no_firm.html", status=403)
