"""The outbox: entries written with what they file, filed by a task at most once, retried,
swept up when their task was lost, failed with a code, re-filed on request.
"""

from __future__ import annotations

import datetime
import functools
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cms_sync import tasks, webhook
from cms_sync.actions.integrations import active_integration
from cms_sync.clio import ClioClient
from cms_sync.clio_filing import file_in_clio
from cms_sync.crypto import decrypt
from cms_sync.errors import FilingError, FilingRejected, FilingUnavailable
from cms_sync.models import Integration, OutboxEntry, RefileAudit
from hona.models import Organization, User
from hona.queueing import enqueue_on_commit
from hona.retry import backoff
from hona.sql import InsertFrom, column, table
from messaging import events, live
from messaging.links import cms_file_url
from messaging.models import Attachment, Message
from notifications.actions import notify_filing_failure
from projects.models import Project

logger = logging.getLogger(__name__)


MAX_ATTEMPTS = 8


IN_FLIGHT = datetime.timedelta(minutes=2)  # longer than any one filing's requests take


def _queue(entry: OutboxEntry) -> OutboxEntry | None:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return None  # already queued for this case: filed at most once
    enqueue_on_commit(tasks.file_entry, entry.pk)
    return entry


def queue_message(*, message: Message) -> list[OutboxEntry]:
    """Called in the transaction that stores a message (and its files): queue their filing.

    An internal note is filed as a note of the case, never as a communication, and only when
    the firm chose to file notes (Organization.file_notes_to_cms)."""
    project = message.project
    if project is None or not project.cms_case_id:
        return []
    if message.is_note and not message.organization.file_notes_to_cms:
        return []
    integration = active_integration(message.organization_id)
    if integration is None:
        return []
    common = {
        "organization_id": message.organization_id,
        "integration": integration,
        "message": message,
        "project": project,
        "case_id": project.cms_case_id,
    }
    kind = OutboxEntry.Kind.NOTE if message.is_note else OutboxEntry.Kind.MESSAGE
    queued = [
        _queue(OutboxEntry(kind=kind, key=f"{kind}:{message.pk}:{project.cms_case_id}", **common))
    ]
    for attachment in message.attachments.all():
        queued.append(queue_file(attachment=attachment, message=message))
    return [entry for entry in queued if entry is not None]


@functools.cache
def _filing_member() -> InsertFrom[OutboxEntry]:
    msg, project = functools.partial(column, Message), functools.partial(column, Project)
    integration = functools.partial(column, Integration)
    return InsertFrom(
        OutboxEntry,
        source=(
            f"m JOIN {table(Project)} p ON p.{project('id')} = m.{msg('project')} "  # noqa: S608 - model names
            f"AND p.{project('cms_case_id')} <> '' "
            f"JOIN LATERAL (SELECT i.{integration('id')} FROM {table(Integration)} i "
            f"WHERE i.{integration('organization')} = m.{msg('organization')} "
            f"AND i.{integration('status')} = %(cms_active)s "
            f"ORDER BY i.{integration('id')} LIMIT 1) i ON true"
        ),
        exprs={
            "organization": f"m.{msg('organization')}",
            "integration": f"i.{integration('id')}",
            "message": f"m.{msg('id')}",
            "project": f"p.{project('id')}",
            "case_id": f"p.{project('cms_case_id')}",
            "key": f"%(cms_key_kind)s || ':' || m.{msg('id')} || ':' || p.{project('cms_case_id')}",
        },
        given=("kind", "created_at"),
        prefix="cms_",
    )


def _filing_sql() -> str:
    return _filing_member().sql  # a new message's key: never one queued already


def _filing_params(now: datetime.datetime) -> dict[str, object]:
    entry = OutboxEntry(kind=OutboxEntry.Kind.MESSAGE, created_at=now)
    return {
        **_filing_member().params(entry),
        "cms_key_kind": OutboxEntry.Kind.MESSAGE.value,
        "cms_active": Integration.Status.ACTIVE.value,
    }


def _filing_queued(entry_id: object, message: Message) -> None:
    enqueue_on_commit(tasks.file_entry, entry_id)


# `queue_message` for a client's plain text, as a member of the statement that stores it.
IN_STATEMENT = events.InStatement(sql=_filing_sql, params=_filing_params, committed=_filing_queued)


def queue_file(*, attachment: Attachment, message: Message | None = None) -> OutboxEntry | None:
    message = message or attachment.message
    project = message.project
    integration = active_integration(message.organization_id)
    if project is None or not project.cms_case_id or integration is None:
        return None
    return _queue(
        OutboxEntry(
            organization_id=message.organization_id,
            integration=integration,
            kind=OutboxEntry.Kind.FILE,
            message=message,
            attachment=attachment,
            project=project,
            case_id=project.cms_case_id,
            key=f"file:{attachment.pk}:{project.cms_case_id}",
        )
    )


def _direction(message: Message) -> str:
    if message.is_note:
        return "internal"  # staff's note: never sent to the client
    return "from_client" if message.is_inbound else "to_client"


def payload_of(entry: OutboxEntry) -> dict[str, object]:
    message = entry.message
    contact = message.thread.contact
    data: dict[str, object] = {
        "type": entry.kind,
        "idempotency_key": entry.key,
        "case_id": entry.case_id,
        "project": entry.project.name,
        "direction": _direction(message),
        "channel": message.channel,
        "contact": {"name": contact.name, "phone": contact.phone, "email": contact.email},
        "staff": message.sender.name if message.sender else None,
        "sent_at": message.created_at.isoformat(),
        "text": message.body,
    }
    if entry.attachment is not None:
        attachment = entry.attachment
        data["file"] = {
            "name": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "url": cms_file_url(attachment),
        }
    return data


def file_entry(*, entry_id: int) -> float | None:
    """File one entry. Returns seconds to wait before trying again, or None when done."""
    with transaction.atomic():
        entry = (
            OutboxEntry.objects.select_for_update(of=("self",))
            .select_related("integration", "message__thread__contact", "message__sender", "project")
            .select_related("attachment")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None or entry.status != OutboxEntry.Status.PENDING:
            return None
        now = timezone.now()
        if entry.in_flight_until is not None and entry.in_flight_until > now:
            return None  # another worker is filing it right now
        entry.attempts += 1
        entry.in_flight_until = now + IN_FLIGHT
        entry.save(update_fields=["attempts", "in_flight_until"])
    integration = entry.integration
    if integration.status != Integration.Status.ACTIVE:
        reason = integration.status_reason or "The CMS integration is not active."
        _fail(entry, FilingError.NOT_ACTIVE, reason)
        return None
    try:
        if integration.kind == Integration.Kind.CLIO:
            cms_id = file_in_clio(ClioClient(integration), entry)
        else:
            cms_id = webhook.post(
                integration.webhook_url,
                decrypt(integration.secret_encrypted),
                entry.key,
                payload_of(entry),
            )
    except FilingUnavailable as error:
        if entry.attempts >= MAX_ATTEMPTS:
            _fail(entry, FilingError.GAVE_UP, f"{error} Gave up after {entry.attempts} tries.")
            return None
        # The CMS's own Retry-After when it gave one; otherwise the one retry policy.
        wait = error.retry_after if error.retry_after is not None else backoff(entry.attempts)
        OutboxEntry.objects.filter(pk=entry.pk).update(
            error_code=error.code,
            last_error=str(error)[:500],
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=wait),
            in_flight_until=None,
        )
        return wait
    except FilingRejected as error:
        _fail(entry, error.code, str(error))
        return None
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.FILED,
        cms_id=cms_id[:64],
        filed_at=now,
        error_code="",
        last_error="",
        in_flight_until=None,
    )
    Integration.objects.filter(pk=integration.pk).update(last_success_at=now)
    _receipt_changed(entry)
    return None


def _receipt_changed(entry: OutboxEntry) -> None:
    """Open threads refresh the message (its receipt) on their next live check."""
    Message.objects.filter(pk=entry.message_id).update(status_changed_at=timezone.now())
    thread_id = Message.objects.values_list("thread_id", flat=True).get(pk=entry.message_id)
    live.thread_changed(organization_id=entry.organization_id, thread_id=thread_id)


def _fail(entry: OutboxEntry, code: str, reason: str) -> None:
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.FAILED,
        error_code=code,
        last_error=reason[:500],
        in_flight_until=None,
    )
    _receipt_changed(entry)
    logger.warning("Filing %s failed: %s", entry.key, reason)
    message = Message.objects.select_related("sender", "thread__contact").get(pk=entry.message_id)
    notify_filing_failure(message=message, reason=reason)


@transaction.atomic
def retry_entry(*, entry: OutboxEntry) -> None:
    """A person asked to try a failed filing again."""
    if entry.status != OutboxEntry.Status.FAILED:
        return
    entry.status = OutboxEntry.Status.PENDING
    entry.attempts = 0
    entry.error_code = ""
    entry.last_error = ""
    entry.save(update_fields=["status", "attempts", "error_code", "last_error"])
    enqueue_on_commit(tasks.file_entry, entry.pk)


@transaction.atomic
def refile_message(*, message: Message, project: Project, user: User) -> list[OutboxEntry]:
    """File one message (and its files) to another project's case, and keep the record."""
    if project.organization_id != message.organization_id:
        raise ValidationError("That project belongs to another firm.")
    RefileAudit.objects.create(
        message=message, user=user, from_project=message.project, to_project=project
    )
    message.project = project
    message.save(update_fields=["project"])
    return queue_message(message=message)


def retry_all_failed(*, organization: Organization) -> int:
    count = 0
    for entry in OutboxEntry.objects.filter(organization=organization, status="failed"):
        retry_entry(entry=entry)
        count += 1
    return count


STALE_AFTER = datetime.timedelta(minutes=5)


def requeue_stale_entries(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Pending filings whose task was lost (a worker killed mid-task, Redis down when queued)
    go back to the queue. Filing twice is harmless: each entry is filed once by its key."""
    now = now or timezone.now()
    stale = (
        OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING)
        .filter(models.Q(in_flight_until__isnull=True) | models.Q(in_flight_until__lt=now))
        .filter(
            models.Q(next_attempt_at__isnull=True, created_at__lt=now - STALE_AFTER)
            | models.Q(next_attempt_at__lt=now - STALE_AFTER)
        )
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for entry_id in stale:
        OutboxEntry.objects.filter(pk=entry_id).update(next_attempt_at=now, in_flight_until=None)
        tasks.file_entry.delay(entry_id)
        count += 1
    return count
