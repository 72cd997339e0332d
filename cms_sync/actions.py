"""Writes for CMS filing: connecting an integration, queueing and filing entries, re-filing."""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cms_sync import webhook
from cms_sync.clio import ClioClient, exchange_code, store_tokens
from cms_sync.crypto import UnreadableSecret, decrypt, encrypt, rotate
from cms_sync.errors import FilingRejected, FilingUnavailable
from cms_sync.models import Integration, OutboxEntry, RefileAudit
from hona.models import Organization, User
from hona.net import UnsafeUrl, check_webhook_url
from hona.queueing import enqueue_on_commit
from messaging.models import Attachment, Message
from projects.models import Project

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
IN_FLIGHT = datetime.timedelta(minutes=2)  # longer than any one filing's requests take


def active_integration(organization_id: int) -> Integration | None:
    return Integration.objects.filter(
        organization_id=organization_id, status=Integration.Status.ACTIVE
    ).first()


def connect_webhook(
    *, organization: Organization, user: User, url: str, secret: str = ""
) -> tuple[Integration, str]:
    """Connect the firm's webhook; returns it with its signing secret (shown once).

    The URL must be https and resolve only to public addresses. Checking resolves the name and
    nothing more: no request is made, so saving says nothing about what answers where. The
    lookup happens before the transaction, so no database lock waits on DNS.
    """
    if active_integration(organization.pk) is not None:
        raise ValidationError("Disconnect the current integration first.")
    try:
        check_webhook_url(url)
    except UnsafeUrl as error:
        raise ValidationError(str(error)) from None
    secret = secret or secrets.token_urlsafe(32)
    with transaction.atomic():
        integration = Integration(
            organization=organization,
            kind=Integration.Kind.WEBHOOK,
            webhook_url=url,
            secret_encrypted=encrypt(secret),
            connected_by=user,
        )
        integration.full_clean()
        integration.save()
    return integration, secret


def connect_clio(
    *, organization: Organization, user: User, code: str, redirect_uri: str
) -> Integration:
    """Finish Clio's OAuth flow: trade the code for tokens, kept encrypted."""
    if active_integration(organization.pk) is not None:
        raise ValidationError("Disconnect the current integration first.")
    try:
        payload = exchange_code(code, redirect_uri)
    except (FilingRejected, FilingUnavailable) as error:
        raise ValidationError(f"Clio did not accept the connection: {error}") from None
    with transaction.atomic():
        Integration.objects.filter(
            organization=organization, status=Integration.Status.TOKEN_EXPIRED
        ).update(status=Integration.Status.INACTIVE, disconnected_at=timezone.now())
        integration = Integration(
            organization=organization, kind=Integration.Kind.CLIO, connected_by=user
        )
        store_tokens(integration, payload)
        integration.save()
    return integration


@transaction.atomic
def disconnect(*, integration: Integration) -> None:
    integration.status = Integration.Status.INACTIVE
    integration.status_reason = "Disconnected by a firm admin."
    integration.disconnected_at = timezone.now()
    integration.save(update_fields=["status", "status_reason", "disconnected_at"])


def _queue(entry: OutboxEntry) -> OutboxEntry | None:
    from cms_sync.tasks import file_entry

    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return None  # already queued for this case: filed at most once
    enqueue_on_commit(file_entry, entry.pk)
    return entry


def queue_message(*, message: Message) -> list[OutboxEntry]:
    """Called in the transaction that stores a message (and its files): queue their filing."""
    project = message.project
    if project is None or not project.cms_case_id:
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
    queued = [
        _queue(
            OutboxEntry(
                kind=OutboxEntry.Kind.MESSAGE,
                key=f"message:{message.pk}:{project.cms_case_id}",
                **common,
            )
        )
    ]
    for attachment in message.attachments.all():
        queued.append(queue_file(attachment=attachment, message=message))
    return [entry for entry in queued if entry is not None]


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


def payload_of(entry: OutboxEntry) -> dict[str, object]:
    message = entry.message
    contact = message.thread.contact
    data: dict[str, object] = {
        "type": entry.kind,
        "idempotency_key": entry.key,
        "case_id": entry.case_id,
        "project": entry.project.name,
        "direction": "from_client" if message.is_inbound else "to_client",
        "channel": message.channel,
        "contact": {"name": contact.name, "phone": contact.phone, "email": contact.email},
        "staff": message.sender.name if message.sender else None,
        "sent_at": message.created_at.isoformat(),
        "text": message.body,
    }
    if entry.attachment is not None:
        attachment = entry.attachment
        from messaging.links import cms_file_url

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
        _fail(entry, integration.status_reason or "The CMS integration is not active.")
        return None
    try:
        if integration.kind == Integration.Kind.CLIO:
            cms_id = ClioClient(integration).file(entry)
        else:
            cms_id = webhook.post(
                integration.webhook_url,
                decrypt(integration.secret_encrypted),
                entry.key,
                payload_of(entry),
            )
    except FilingUnavailable as error:
        if entry.attempts >= MAX_ATTEMPTS:
            _fail(entry, f"{error} Gave up after {entry.attempts} tries.")
            return None
        wait = (
            error.retry_after if error.retry_after is not None else min(600, 5 * 2**entry.attempts)
        )
        OutboxEntry.objects.filter(pk=entry.pk).update(
            last_error=str(error)[:500],
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=wait),
            in_flight_until=None,
        )
        return wait
    except FilingRejected as error:
        _fail(entry, str(error))
        return None
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.FILED,
        cms_id=cms_id[:64],
        filed_at=now,
        last_error="",
        in_flight_until=None,
    )
    Integration.objects.filter(pk=integration.pk).update(last_success_at=now)
    _receipt_changed(entry)
    return None


def _receipt_changed(entry: OutboxEntry) -> None:
    """Open threads refresh the message (its receipt) on their next live check."""
    Message.objects.filter(pk=entry.message_id).update(status_changed_at=timezone.now())


def _fail(entry: OutboxEntry, reason: str) -> None:
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.FAILED, last_error=reason[:500], in_flight_until=None
    )
    _receipt_changed(entry)
    logger.warning("Filing %s failed: %s", entry.key, reason)
    from notifications.actions import notify_filing_failure

    message = Message.objects.select_related("sender", "thread__contact").get(pk=entry.message_id)
    notify_filing_failure(message=message, reason=reason)


@transaction.atomic
def retry_entry(*, entry: OutboxEntry) -> None:
    """A person asked to try a failed filing again."""
    from cms_sync.tasks import file_entry as file_task

    if entry.status != OutboxEntry.Status.FAILED:
        return
    entry.status = OutboxEntry.Status.PENDING
    entry.attempts = 0
    entry.last_error = ""
    entry.save(update_fields=["status", "attempts", "last_error"])
    entry_id = entry.pk
    transaction.on_commit(lambda: file_task.delay(entry_id), robust=True)


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
    from cms_sync.tasks import file_entry as file_task

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
        file_task.delay(entry_id)
        count += 1
    return count


ENCRYPTED_FIELDS = ("secret_encrypted", "access_token_encrypted", "refresh_token_encrypted")


@dataclass(frozen=True)
class Rotation:
    rotated: int  # integrations whose secrets are now encrypted with the newest key
    unreadable: list[int]  # integrations with a secret no configured key opens


def rotate_encryption_keys() -> Rotation:
    """Re-encrypt every stored CMS secret with the newest of CMS_ENCRYPTION_KEYS.

    Row by row, each locked while it changes, so a token refreshed meanwhile is never lost; safe
    to run again (a value already under the newest key is simply encrypted afresh).
    """
    rotated, unreadable = 0, []
    for integration_id in Integration.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            integration = Integration.objects.select_for_update().get(pk=integration_id)
            try:
                for name in ENCRYPTED_FIELDS:
                    setattr(integration, name, rotate(getattr(integration, name)))
            except UnreadableSecret:
                unreadable.append(integration_id)
                continue
            integration.save(update_fields=list(ENCRYPTED_FIELDS))
            rotated += 1
    return Rotation(rotated=rotated, unreadable=unreadable)
