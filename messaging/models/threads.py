"""Threads (one per contact, never deleted) and each staff member's unread threads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hona.models import Organization, OrganizationOwnedQuerySet
from messaging.models.contacts import Contact
from projects.models import Project


class ThreadQuerySet(OrganizationOwnedQuerySet):
    def visible(self) -> ThreadQuerySet:
        """What the Conversations tab's "All" shows: not archived, not spam."""
        return self.filter(is_archived=False, is_spam=False)


class Thread(models.Model):
    """All messages with one contact, across all of the contact's projects."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="threads")
    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="thread")
    current_project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_threads",
        help_text="New messages are filed to this project.",
    )
    is_flagged = models.BooleanField(default=False)
    flagged_at = models.DateTimeField(null=True, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_spam = models.BooleanField(default=False)
    spam_marked_at = models.DateTimeField(null=True, blank=True)
    spam_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised from the latest message so the Conversations list is one indexed read.
    last_message_at = models.DateTimeField(
        "last activity",
        default=timezone.now,
        help_text="The latest message, or the thread's creation.",
    )
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # How many of its messages wait to be sent (messaging.actions.scheduled keeps it): the thread
    # page reads them only when there are some.
    pending_scheduled = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_flagged=False) | Q(flagged_at__isnull=False),
                name="thread_flag_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_archived=False) | Q(archived_at__isnull=False),
                name="thread_archive_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_spam=False) | Q(spam_marked_at__isnull=False),
                name="thread_spam_has_time",
            ),
        ]
        indexes = [
            # The Conversations tab's "All": newest activity first, archived and spam left out.
            models.Index(
                "organization",
                models.F("last_message_at").desc(),
                models.F("id").desc(),
                condition=Q(is_archived=False, is_spam=False),
                name="thread_inbox",
            ),
            models.Index(
                "organization",
                models.F("last_message_at").desc(),
                models.F("id").desc(),
                name="thread_org_activity",
            ),
            # The Flagged, Archived and Spam filters: each a few threads of a firm's many, read in
            # the list's order (walking the whole firm's activity for them took 10 ms at 50,000).
            *(
                models.Index(
                    "organization",
                    models.F("last_message_at").desc(),
                    models.F("id").desc(),
                    condition=condition,
                    name=name,
                )
                for name, condition in (
                    ("thread_flagged", Q(is_flagged=True, is_spam=False)),
                    ("thread_archived", Q(is_archived=True, is_spam=False)),
                    ("thread_spam", Q(is_spam=True)),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"Thread with {self.contact}"


class UnreadThread(models.Model):
    """One row per (staff member, thread) with client messages that member has not seen.

    Written for every colleague when a client message arrives and deleted when that member opens
    the thread, so one user's unread count is an index-only count of their own rows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unread_threads"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="unread_by")
    since = models.DateTimeField(help_text="When the oldest unseen client message arrived.")
    # Copies of the thread's project and flag, kept in step by the actions that change them, so
    # a badge limited to "my projects" or "flagged" stays a count of this user's rows alone.
    thread_project_id = models.BigIntegerField(null=True, blank=True)
    thread_flagged = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="unread_thread_once_per_user"),
        ]
        indexes = [
            models.Index(fields=["thread"], name="unread_thread_thread"),
            models.Index(fields=["user", "thread_project_id"], name="unread_thread_user_project"),
        ]

    def __str__(self) -> str:
        return f"{self.user} has not read {self.thread}"
