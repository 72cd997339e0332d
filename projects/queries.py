"""Reads for the Projects screens, scoped to the requesting user's firm."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, When
from django.shortcuts import get_object_or_404

from hona.models import User
from hona.text import one_line
from projects.models import Project

PROJECTS_PAGE = 50


def unread_project_ids(user: User) -> QuerySet[Any]:
    """Projects whose clients sent messages this user has not seen, as a subquery (the database
    hashes it once), following relations by name so projects never imports messaging."""
    return Project.objects.for_user(user).filter(clients__thread__unread_by__user=user).values("pk")


def _with_unread(projects: QuerySet[Project], unread_ids: QuerySet[Any]) -> QuerySet[Project]:
    return projects.annotate(
        has_unread=Case(
            When(pk__in=unread_ids, then=True), default=False, output_field=BooleanField()
        )
    )


def project_page(
    user: User, *, search: str = "", page: int = 1, clients: QuerySet[Any] | None = None
) -> tuple[list[Any], bool]:
    """One page of the Projects dashboard: three queries (projects, clients, staff).

    `clients` is how the screen wants each project's clients read (messaging's contacts with
    their threads); projects does not import messaging, the view passes it in.
    """
    projects = Project.objects.for_user(user)
    term = one_line(search)  # a NUL typed into the box cannot reach the database
    if term:
        projects = projects.filter(
            Q(pk__in=Project.objects.for_user(user).filter(clients__name__icontains=term))
            | Q(name__icontains=term)
            | Q(cms_case_id__iexact=term)
        )
    start = (max(page, 1) - 1) * PROJECTS_PAGE
    rows = list(
        _with_unread(projects, unread_project_ids(user))
        .prefetch_related(
            Prefetch("clients", queryset=clients, to_attr="client_list"),
            Prefetch("assigned_staff", to_attr="staff_list"),
        )
        .order_by("-has_unread", "status", "name", "pk")[start : start + PROJECTS_PAGE + 1]
    )
    return rows[:PROJECTS_PAGE], len(rows) > PROJECTS_PAGE


def get_project_for_user(user: User, pk: int, *, clients: QuerySet[Any] | None = None) -> Project:
    """The project if it belongs to the user's firm (404 otherwise), with its clients read as
    `clients` says (the screen's choice, as in project_page) and its staff."""
    projects = _with_unread(
        Project.objects.for_user(user), unread_project_ids(user)
    ).prefetch_related(
        Prefetch("clients", queryset=clients, to_attr="client_list"),
        Prefetch("assigned_staff", to_attr="staff_list"),
    )
    project: Project = get_object_or_404(projects, pk=pk)
    return project
