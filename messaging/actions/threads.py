"""Writes for threads: their one per contact, project, flag, archive, spam, and read state."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from hona.models import Organization, User
from hona.sql import column, table
from messaging import live
from messaging.models import (
    Contact,
    Thread,
    UnreadThread,
)
from projects.models import Project


@transaction.atomic
def ensure_thread(*, contact: Contact) -> Thread:
    """The contact's one thread, created the first time it is needed."""
    thread, _ = Thread.objects.get_or_create(
        contact=contact,
        defaults={
            "organization_id": contact.organization_id,
            "current_project": contact.projects.order_by("-created_at", "-id").first(),
        },
    )
    return thread


@transaction.atomic
def add_contact_to_project(*, contact: Contact, project: Project) -> None:
    _check_same_firm(contact.organization, [project])
    contact.projects.add(project)
    thread = ensure_thread(contact=contact)
    if thread.current_project_id is None:
        thread.current_project = project
        thread.save(update_fields=["current_project"])
        UnreadThread.objects.filter(thread=thread).update(thread_project_id=project.pk)


def _check_same_firm(organization: Organization, projects: Iterable[Project]) -> None:
    if any(project.organization_id != organization.pk for project in projects):
        raise ValidationError("That project belongs to another firm.")


def unread_columns() -> str:
    """An unread row's columns, in the order the hand-written INSERTs give them: the user, the
    thread, since when, and the thread's project and flag (copied for the badge's filters)."""
    return ", ".join(
        column(UnreadThread, name)
        for name in ("user", "thread", "since", "thread_project_id", "thread_flagged")
    )


@functools.cache
def _unread_sql() -> str:
    columns = unread_columns()
    user_id, firm, active = (column(User, name) for name in ("id", "organization", "is_active"))
    return (
        f"INSERT INTO {table(UnreadThread)} ({columns}) "  # noqa: S608 - model names
        f"SELECT u.{user_id}, %s, %s, %s, %s FROM {table(User)} u "
        f"WHERE u.{firm} = %s AND u.{active} ON CONFLICT DO NOTHING"
    )


def mark_thread_unread_for_colleagues(*, thread: Thread, since: datetime.datetime) -> None:
    """One unread row per active staff member of the firm; an existing row keeps its time.

    One statement (INSERT … SELECT … ON CONFLICT DO NOTHING): it is on every client message's
    path, the webhook's included."""
    sql = _unread_sql()
    params = [
        thread.pk,
        connection.ops.adapt_datetimefield_value(since),
        thread.current_project_id,
        thread.is_flagged,
        thread.organization_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def mark_thread_read(*, user: User, thread: Thread) -> bool:
    """Clear the thread for this user only (one DELETE). Returns whether anything was unread."""
    deleted, _ = UnreadThread.objects.filter(user=user, thread=thread).delete()
    if deleted:
        live.read_changed(user_id=user.pk)
    return deleted > 0


@transaction.atomic
def set_thread_flag(*, thread: Thread, user: User, flagged: bool) -> None:
    """Flag for the team's attention (visible to every colleague), or clear the flag."""
    thread.is_flagged = flagged
    thread.flagged_at = timezone.now() if flagged else None
    thread.flagged_by = user if flagged else None
    thread.save(update_fields=["is_flagged", "flagged_at", "flagged_by"])
    UnreadThread.objects.filter(thread=thread).update(thread_flagged=flagged)
    live.list_changed(thread)


@transaction.atomic
def set_thread_archived(*, thread: Thread, user: User, archived: bool) -> None:
    """Archive hides the thread until the next message in or out (see record_message)."""
    thread.is_archived = archived
    thread.archived_at = timezone.now() if archived else None
    thread.archived_by = user if archived else None
    thread.save(update_fields=["is_archived", "archived_at", "archived_by"])
    if archived:
        # The badge stays a pure count of rows: hidden threads have none.
        UnreadThread.objects.filter(thread=thread).delete()
    live.list_changed(thread)


@transaction.atomic
def set_thread_spam(*, thread: Thread, user: User, spam: bool) -> None:
    thread.is_spam = spam
    thread.spam_marked_at = timezone.now() if spam else None
    thread.spam_marked_by = user if spam else None
    thread.save(update_fields=["is_spam", "spam_marked_at", "spam_marked_by"])
    if spam:
        UnreadThread.objects.filter(thread=thread).delete()
    live.list_changed(thread)


@transaction.atomic
def set_thread_project(*, thread: Thread, project: Project | None) -> None:
    """Choose the project new messages are filed to; earlier messages keep theirs."""
    if project is not None:
        if project.organization_id != thread.organization_id:
            raise ValidationError("That project belongs to another firm.")
        if not project.clients.filter(pk=thread.contact_id).exists():
            raise ValidationError("That project is not one of this contact's projects.")
    thread.current_project = project
    thread.save(update_fields=["current_project"])
    UnreadThread.objects.filter(thread=thread).update(
        thread_project_id=project.pk if project else None
    )
    live.list_changed(thread)
