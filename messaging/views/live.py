"""The staff screens' live stream: their firm's events and their own (hona.live)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hona import live


@never_cache
@require_GET
def stream(request: HttpRequest) -> HttpResponseBase:
    """Server-sent events for a signed-in staff screen. Signed out (or support, with no firm):
    401, which the page shows as "reconnecting" until its next sign-in."""
    user = request.user
    organization_id = getattr(user, "organization_id", None)
    if not user.is_authenticated or organization_id is None:
        return HttpResponse(
            "Sign in to receive live updates.", status=401, content_type="text/plain"
        )
    return live.stream_response(
        request, [live.firm_channel(organization_id), live.user_channel(user.pk)]
    )
