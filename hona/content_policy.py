"""Per-view changes to the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).

django-csp's decorators (csp_update, csp_replace) take their directives once, when the views
module is imported. These wrappers ask for them at each request instead, so a view's policy
follows the settings it is built from (CLIO_BASE_URL, HONA_EXTENSION_ORIGINS) wherever they are
read, tests included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.decorators import csp_replace, csp_update
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Directives = dict[str, list[str]]
View = Callable[..., HttpResponseBase]


def _per_request(
    decorate: Callable[[Directives], Callable[[View], View]], directives: Callable[[], Directives]
) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return decorate(directives())(view)(request, *args, **kwargs)

        return wrapper

    return decorator


def csp_update_per_request(directives: Callable[[], Directives]) -> Callable[[View], View]:
    """Add sources to the policy's directives for this view's responses."""
    return _per_request(csp_update, directives)


def csp_replace_per_request(directives: Callable[[], Directives]) -> Callable[[View], View]:
    """Replace whole directives of the policy for this view's responses."""
    return _per_request(csp_replace, directives)
