"""The app's URLs plus one bare view, the page benchmark's yardstick (tests/perf/page_bench.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """Every middleware and the signed-in user, as for any page, and nothing else."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("hona.urls"))]
