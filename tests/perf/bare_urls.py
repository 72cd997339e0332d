"""The app's URLs plus one bare view, the page benchmark's yardstick (tests/perf/page_bench.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from messaging.webhooks import EMPTY_TWIML


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """Every middleware and the signed-in user, as for any page, and nothing else."""
    return HttpResponse("ok")


@csrf_exempt
def bare_webhook(request: HttpRequest) -> HttpResponse:
    """The inbound webhook's yardstick: the same server, middleware and answer, and no work."""
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


urlpatterns = [
    path("bench/bare/", bare),
    path("webhooks/twilio/bench-bare/", bare_webhook),
    path("", include("hona.urls")),
]
