"""Writes for projects (cases)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from hona.models import Organization, User
from projects.models import Project


@transaction.atomic
def create_project(
    *,
    organization: Organization,
    name: str,
    status: str = Project.Status.OPEN,
    cms_case_id: str = "",
    cms_case_url: str = "",
    assigned_staff: Sequence[User] = (),
) -> Project:
    project = Project(
        organization=organization,
        name=name.strip(),
        status=status,
        cms_case_id=cms_case_id.strip(),
        cms_case_url=cms_case_url.strip(),
    )
    project.full_clean()
    project.save()
    if assigned_staff:
        assign_staff(project=project, users=assigned_staff)
    return project


@transaction.atomic
def assign_staff(*, project: Project, users: Sequence[User]) -> None:
    if any(user.organization_id != project.organization_id for user in users):
        raise ValidationError("Only the firm's own staff can be assigned to its projects.")
    project.assigned_staff.add(*users)
