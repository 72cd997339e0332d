"""Reads for the messaging screens, always scoped to the requesting user's firm."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from hona.models import User
from messaging.models import Contact, MessageTemplate, Thread, UnreadThread


def unread_thread_count(user: User) -> int:
    """The badge: one index-only count of this user's unread rows."""
    return UnreadThread.objects.filter(user=user).count()


def get_thread_for_user(user: User, pk: int) -> Thread:
    """The thread if it belongs to the user's firm; 404 otherwise (never 403, never data)."""
    return get_object_or_404(
        Thread.objects.for_user(user).select_related("contact", "current_project"), pk=pk
    )


def get_contact_for_user(user: User, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.for_user(user), pk=pk)


def get_template_for_user(user: User, pk: int) -> MessageTemplate:
    return get_object_or_404(MessageTemplate.objects.for_user(user), pk=pk)
