"""Reads for the Integration settings and health pages, scoped to the admin's firm."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

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


def advice_for(error: str) -> str:
    """What to do about a filing error, in plain words."""
    lowered = error.lower()
    if "connect clio again" in lowered or "not active" in lowered:
        return "Reconnect the integration below, then press Retry all failed."
    if "(404)" in lowered or "not found" in lowered:
        return "Check that the project is linked to the right case id in your CMS."
    if "(403)" in lowered or "(401)" in lowered:
        return "Check that Hona's access in your CMS allows adding to this case."
    if "public internet address" in lowered or "https://" in lowered:
        return "Connect a webhook URL that starts with https:// and is reachable on the internet."
    if "host name" in lowered:
        return "Check the webhook URL's host name, then connect the webhook again."
    if "redirect" in lowered:
        return "Connect the webhook URL the redirect points to: Hona does not follow redirects."
    if "tls certificate" in lowered:
        return "Check the webhook's TLS certificate: it must be valid for the URL's host name."
    if "could not be reached" in lowered or "gave up" in lowered:
        return "Your CMS was unreachable for a while. Retry when it is back."
    return "Retry; if it fails again, contact Hona support with the case id."
