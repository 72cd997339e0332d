"""Reads for the Projects screens, scoped to the requesting user's firm."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from hona.models import User
from projects.models import Project


def get_project_for_user(user: User, pk: int) -> Project:
    return get_object_or_404(Project.objects.for_user(user), pk=pk)
