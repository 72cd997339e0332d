from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from hona import two_factor
from hona.http import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.organization_id is None:  # platform support works in the admin site
        return redirect("admin:index")
    return redirect("messaging:conversation-list")


@login_required
def settings_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "hona/settings.html",
        {"active_nav": "settings", "two_factor_enabled": two_factor.has_two_factor(request.user)},
    )


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links: send them to the icon.

    Not permanent: the icon's hashed static name changes when the icon does.
    """
    return HttpResponseRedirect(static("img/favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the load balancer and docker compose: the database and the cache answer."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
        healthy = False
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: no round trip"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    healthy = healthy and checks["cache"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
