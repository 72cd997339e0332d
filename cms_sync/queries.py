"""Reads for the Integration settings and health pages, scoped to the admin's firm."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from cms_sync.errors import FilingError
from cms_sync.models import Integration, OutboxEntry
from hona.models import User
from projects.models import Project


@dataclass(frozen=True)
class Health:
    integration: Integration | None
    pending: int
    failed: int
    filed: int
    latest_errors: list[OutboxEntry]
    unlinked_projects: list[Project]


def current_integration(user: User) -> Integration | None:
    """The firm's live integration (active or with an expired token), else None."""
    return (
        Integration.objects.filter(organization=user.organization)
        .exclude(status=Integration.Status.INACTIVE)
        .first()
    )


def health(user: User) -> Health:
    counts = OutboxEntry.objects.filter(organization=user.organization).aggregate(
        pending=Count("pk", filter=Q(status="pending")),
        failed=Count("pk", filter=Q(status="failed")),
        filed=Count("pk", filter=Q(status="filed")),
    )
    errors = list(
        OutboxEntry.objects.filter(organization=user.organization, status="failed")
        .select_related("message__thread__contact", "project")
        .order_by("-created_at")[:10]
    )
    unlinked = list(
        Project.objects.for_user(user).filter(cms_case_id="").exclude(status="closed")[:50]
    )
    return Health(
        current_integration(user),
        counts["pending"],
        counts["failed"],
        counts["filed"],
        errors,
        unlinked,
    )


ADVICE = {
    FilingError.NOT_ACTIVE: "Reconnect the integration below, then press Retry all failed.",
    FilingError.TOKEN_EXPIRED: "Reconnect the integration below, then press Retry all failed.",
    FilingError.NOT_FOUND: "Check that the project is linked to the right case id in your CMS.",
    FilingError.FORBIDDEN: "Check that Hona's access in your CMS allows adding to this case.",
    FilingError.UNSAFE_URL: (
        "Connect a webhook URL that starts with https:// and is reachable on the internet."
    ),
    FilingError.HOST_UNKNOWN: "Check the webhook URL's host name, then connect the webhook again.",
    FilingError.REDIRECT: (
        "Connect the webhook URL the redirect points to: Hona does not follow redirects."
    ),
    FilingError.TLS: (
        "Check the webhook's TLS certificate: it must be valid for the URL's host name."
    ),
    FilingError.UNREACHABLE: "Your CMS was unreachable for a while. Retry when it is back.",
    FilingError.GAVE_UP: "Your CMS was unreachable for a while. Retry when it is back.",
    FilingError.SERVER_ERROR: "Your CMS had trouble for a while. Retry when it is back.",
}
OTHERWISE = "Retry; if it fails again, contact Hona support with the case id."


def advice_for(code: str) -> str:
    """What to do about a filing error, in plain words, by its code."""
    return ADVICE.get(FilingError(code), OTHERWISE) if code in FilingError.values else OTHERWISE
