"""Reads for the Projects screens, scoped to the requesting user's firm."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Model,
    Prefetch,
    QuerySet,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from hona.models import User
from hona.sql import column, table
from hona.text import one_line
from projects.models import Project

PROJECTS_PAGE = 50


def _related(model: type[Model], name: str) -> type[Model]:
    related = model._meta.get_field(name).related_model
    assert isinstance(related, type)
    return related


def _memberships() -> type[Model]:
    """Who is a client of which project: the table behind `Project.clients`."""
    through: type[Model] = Project._meta.get_field("clients").through
    return through


def unread_project_ids(user: User) -> QuerySet[Any] | RawSQL:
    """Projects whose clients sent messages this user has not seen, as a subquery, following
    relations by name so projects never imports messaging."""
    if connection.vendor != "postgresql":
        return (
            Project.objects.for_user(user)
            .filter(clients__thread__unread_by__user=user)
            .values("pk")
        )
    # Driven from the user's own unread rows, each one's thread found by its key, its client's
    # projects by an index: 2.5 ms for 1,000 unread threads at 50,000. Joined, PostgreSQL reads
    # all of a firm's threads to match them (7-8 ms), and the planner keeps choosing that.
    contact = _related(Project, "clients")
    thread = _related(contact, "thread")
    unread = _related(thread, "unread_by")
    clients = _memberships()
    sql = (
        f"SELECT c.{column(clients, 'project')} FROM {table(clients)} c "  # noqa: S608 - model names
        f"WHERE c.{column(clients, 'contact')} = ANY(ARRAY("
        f"SELECT (SELECT t.{column(thread, 'contact')} FROM {table(thread)} t "
        f"WHERE t.{column(thread, 'id')} = u.{column(unread, 'thread')}) "
        f"FROM {table(unread)} u WHERE u.{column(unread, 'user')} = %s))"
    )
    return RawSQL(sql, [user.pk])  # noqa: S611 - names from the models, the id a parameter


def _with_unread(
    projects: QuerySet[Project], unread_ids: QuerySet[Any] | RawSQL
) -> QuerySet[Project]:
    return projects.annotate(
        has_unread=Case(
            When(pk__in=unread_ids, then=True), default=False, output_field=BooleanField()
        )
    )


def project_page(
    user: User, *, search: str = "", page: int = 1, clients: QuerySet[Any] | None = None
) -> tuple[list[Any], bool]:
    """One page of the Projects dashboard: projects with unread messages first, then the rest,
    each by status (open first, closed last) and name. Four queries (unread projects, the
    others, clients, staff).

    The two parts are read apart so that the second walks the (firm, status rank, name) index
    and stops at the page's end; sorted as one, every project of the firm was read and sorted for
    each page. `clients` is how the screen wants each project's clients read (messaging's
    contacts, by name); projects does not import messaging, the view passes it in.
    """
    projects = Project.objects.for_user(user)
    term = one_line(search)  # a NUL typed into the box cannot reach the database
    if term:
        # A union of three index lookups (a client's name, the project's name, both by trigram,
        # and the case number): ORed in one WHERE, every project of the firm was read.
        firm = Project.objects.for_user(user).order_by()
        projects = projects.filter(
            pk__in=_memberships()
            ._default_manager.filter(
                contact__organization=user.organization_id, contact__name__icontains=term
            )
            .values("project_id")
            .union(
                firm.filter(name__icontains=term).values("pk"),
                firm.filter(cms_case_id__iexact=term).values("pk"),
            )
        )
    unread_ids = unread_project_ids(user)
    unread = projects.filter(pk__in=unread_ids).order_by("status_rank", "name", "pk")
    start = (max(page, 1) - 1) * PROJECTS_PAGE
    wanted = PROJECTS_PAGE + 1  # one more, to know whether there is a next page
    rows = list(unread[start : start + wanted])
    for row in rows:
        row.has_unread = True
    if len(rows) < wanted:
        # Where the others start on this page: past the unread ones shown on earlier pages.
        skip = start - unread.count() if start and not rows else 0
        rest = projects.exclude(pk__in=unread_ids).order_by("status_rank", "name", "pk")
        for row in rest[skip : skip + wanted - len(rows)]:
            row.has_unread = False
            rows.append(row)
    prefetch_related_objects(
        rows,
        Prefetch("clients", queryset=clients, to_attr="client_list"),
        Prefetch("assigned_staff", to_attr="staff_list"),
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
