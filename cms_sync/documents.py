"""Attach file from integration: list the case's documents in Clio, send chosen ones.

Listing runs in a task (no outside call in a web request); the page polls for the result, which
is kept briefly in the cache. Clio's link to the next page stays on the server too: the browser
gets an opaque random token for it, never a URL (issue #10), so it cannot choose where the token
is sent. Chosen documents are fetched by a task into attachments — each only after Clio confirms
it belongs to the matter of the thread's current project, under Clio's own name for it — then the
message is delivered like any upload (MMS rules and email fallback included).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename

from cms_sync import tasks
from cms_sync.clio import ClioClient
from cms_sync.clio_documents import document_details, download_document, list_documents
from cms_sync.errors import FilingRejected, FilingUnavailable
from cms_sync.models import Integration, PendingDocument
from hona.models import User
from hona.queueing import enqueue_on_commit
from hona.retry import backoff
from messaging import actions
from messaging import tasks as messaging_tasks
from messaging.delivery import fail_message
from messaging.failures import Failure
from messaging.models import Attachment, Message, Thread
from notifications.actions import notify_documents_not_sent
from projects.models import Project

logger = logging.getLogger(__name__)
LIST_TTL = 120
MAX_TRIES = 8
PAGE_TTL = 30 * 60  # how long "More documents" keeps working after a page was shown
PAGE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PAGE_EXPIRED = "That page of documents is no longer available. Search again."
LISTING_UNAVAILABLE = (
    "The case's documents cannot be listed right now. Please try again in a minute."
)
STALE_AFTER = datetime.timedelta(minutes=15)  # past the fetch task's own retries
Refusal = PendingDocument.Refusal


def listing_key(integration_id: int, matter_id: str, query: str, page_token: str) -> str:
    digest = hashlib.sha256(f"{matter_id}|{query}|{page_token}".encode()).hexdigest()[:24]
    return f"clio-docs:{integration_id}:{digest}"


def _cursor_key(integration_id: int, page_token: str) -> str:
    return f"clio-docs-page:{integration_id}:{page_token}"


def _cursor(integration_id: int, page_token: str, matter_id: str, query: str) -> str | None:
    """Clio's next-page link behind a page token, if the token is ours, for this matter and
    search, and not expired."""
    if not PAGE_TOKEN.fullmatch(page_token):
        return None
    found: dict[str, str] | None = cache.get(_cursor_key(integration_id, page_token))
    if found is None or found["matter_id"] != matter_id or found["query"] != query:
        return None
    return found["url"]


def _page_token(integration_id: int, matter_id: str, query: str, next_url: str) -> str:
    token = secrets.token_urlsafe(18)
    cache.set(
        _cursor_key(integration_id, token),
        {"matter_id": matter_id, "query": query, "url": next_url},
        timeout=PAGE_TTL,
    )
    return token


def documents_for(
    *, integration: Integration, matter_id: str, query: str, page_token: str
) -> dict[str, Any] | None:
    """The listing if ready; otherwise start loading it and return None.

    The listing lives in the cache and is loaded by a task: while the cache or the broker is
    away, the picker says so and can be tried again, instead of failing the page.
    """
    try:
        if page_token and _cursor(integration.pk, page_token, matter_id, query) is None:
            return {"items": [], "next": "", "error": PAGE_EXPIRED}
        key = listing_key(integration.pk, matter_id, query, page_token)
        found: dict[str, Any] | None = cache.get(key)
        if found is not None:
            return found
        if cache.add(key + ":loading", 1, timeout=30):
            tasks.load_documents.delay(integration.pk, matter_id, query, page_token)
    except Exception as error:  # Redis down: nothing is lost, the list just cannot load now
        logger.warning("The case's documents cannot be listed now: %r", error)
        return {"items": [], "next": "", "error": LISTING_UNAVAILABLE}
    return None


def load_documents(*, integration_id: int, matter_id: str, query: str, page_token: str) -> None:
    integration = Integration.objects.get(pk=integration_id)
    key = listing_key(integration_id, matter_id, query, page_token)
    cursor_url = _cursor(integration_id, page_token, matter_id, query) if page_token else ""
    if cursor_url is None:
        result: dict[str, Any] = {"items": [], "next": "", "error": PAGE_EXPIRED}
    else:
        try:
            items, next_url = list_documents(ClioClient(integration), matter_id, query, cursor_url)
            following = _page_token(integration_id, matter_id, query, next_url) if next_url else ""
            result = {"items": items, "next": following, "error": ""}
        except (FilingUnavailable, FilingRejected) as error:
            result = {"items": [], "next": "", "error": str(error)}
    cache.set(key, result, timeout=LIST_TTL)
    cache.delete(key + ":loading")


@transaction.atomic
def send_documents(*, thread: Thread, sender: User, body: str, document_ids: list[str]) -> Message:
    """An outbound message carrying documents from the case: checked and fetched, then
    delivered. Only the ids are taken from the browser; names and matters come from Clio."""
    chosen = list(dict.fromkeys(i for i in document_ids if i.isdigit()))
    actions.check_staff_quota(user=sender)
    message = actions.record_message(
        thread=thread,
        direction=Message.Direction.OUTBOUND,
        body=body,
        channel=Message.Channel.PENDING,
        status=Message.Status.QUEUED,
        sender=sender,
        media_pending=len(chosen),
    )
    PendingDocument.objects.bulk_create(
        PendingDocument(message=message, document_id=document_id) for document_id in chosen
    )
    enqueue_on_commit(tasks.fetch_documents, message.pk)
    return message


class _Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _label(pending: PendingDocument) -> str:
    return pending.name or f"Document {pending.document_id}"


def _check(client: ClioClient, pending: PendingDocument, project: Project | None) -> str:
    """Clio's name for the document, once Clio confirms it is in the project's matter."""
    if project is None or not project.cms_case_id:
        raise _Refused(
            Refusal.NO_MATTER,
            f"{_label(pending)} was not sent: the conversation is not filed to a Clio matter.",
        )
    try:
        document = document_details(client, pending.document_id)
    except FilingRejected as error:
        logger.warning("Document %s could not be read: %s", pending.document_id, error)
        raise _Refused(
            Refusal.NOT_FOUND,
            f"{_label(pending)} could not be found in Clio and was not sent.",
        ) from None
    name = str(document.get("name") or "").strip()[:255] or _label(pending)
    PendingDocument.objects.filter(pk=pending.pk).update(name=name)
    pending.name = name
    matter = (document.get("matter") or {}).get("id")
    if str(matter) != project.cms_case_id:
        logger.warning(
            "Document %s of matter %s refused for message %s (matter %s)",
            pending.document_id, matter, pending.message_id, project.cms_case_id,
        )  # fmt: skip
        raise _Refused(
            Refusal.NOT_IN_MATTER, f"{name} is not a document of {project.name} and was not sent."
        )
    return name


def _refuse(pending: PendingDocument, code: str, reason: str) -> None:
    PendingDocument.objects.filter(pk=pending.pk).update(
        failed=True, refusal_code=code, refusal=reason[:400]
    )


def _store(message: Message, pending: PendingDocument, content: bytes, content_type: str) -> None:
    with transaction.atomic():
        # A sweep and a retry may fetch the same document: the first to store it wins.
        locked = PendingDocument.objects.select_for_update().filter(pk=pending.pk).first()
        if locked is None or locked.attachment_id is not None:
            return
        attachment = Attachment(
            organization_id=message.organization_id,
            message=message,
            filename=pending.name,
            content_type=content_type,
            size=len(content),
            source=Attachment.Source.CMS,
        )
        # Clio's name is shown as it is; the stored file gets a name safe for a path.
        stored_name = get_valid_filename(pending.name.replace("/", "_")) or "document"
        attachment.file.save(stored_name, ContentFile(content), save=False)
        attachment.save()
        PendingDocument.objects.filter(pk=pending.pk).update(attachment=attachment)


def fetch_documents(*, message_id: int) -> float | None:
    """Check and download the chosen documents; when all are in, hand the message to delivery.

    A document is sent only if Clio says it belongs to the matter of the thread's current
    project now; any other is refused without being downloaded, and the sender is told.
    """
    message = Message.objects.select_related(
        "organization", "sender", "thread__contact", "thread__current_project"
    ).get(pk=message_id)
    waiting = PendingDocument.objects.filter(message=message, attachment__isnull=True, failed=False)
    waiting.update(attempts=F("attempts") + 1)
    tries = max(waiting.values_list("attempts", flat=True), default=1)
    give_up = tries > MAX_TRIES  # Clio stayed unavailable: send what we have, say what is missing
    integration = Integration.objects.filter(
        organization_id=message.organization_id, kind="clio", status="active"
    ).first()
    client = ClioClient(integration) if integration is not None else None
    project = message.thread.current_project
    for pending in PendingDocument.objects.filter(
        message=message, attachment__isnull=True, failed=False
    ):
        try:
            if client is None:
                raise _Refused(
                    Refusal.NO_INTEGRATION,
                    f"{_label(pending)} was not sent: the Clio integration is not active.",
                )
            _check(client, pending, project)
            try:
                content, content_type = download_document(client, pending.document_id)
            except FilingRejected as error:
                logger.warning("Document %s could not be fetched: %s", pending.document_id, error)
                raise _Refused(
                    Refusal.DOWNLOAD_FAILED,
                    f"{pending.name} could not be downloaded from Clio and was not sent.",
                ) from None
        except _Refused as refused:
            _refuse(pending, refused.code, refused.reason)
            continue
        except FilingUnavailable as error:
            if not give_up:
                return error.retry_after if error.retry_after is not None else backoff(tries)
            _refuse(
                pending,
                Refusal.UNAVAILABLE,
                f"{_label(pending)} was not sent: Clio stayed unavailable ({error})",
            )
            continue
        _store(message, pending, content, content_type)
    _hand_over(message)
    return None


def requeue_stale_documents(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Messages still waiting for their documents long after their fetch task should have
    finished (its task was lost) are fetched again; returns how many."""
    now = now or timezone.now()
    waiting = list(
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.QUEUED,
            media_pending__gt=0,
            created_at__lt=now - STALE_AFTER,
            pk__in=PendingDocument.objects.values("message_id"),
        ).values_list("pk", flat=True)[:limit]
    )
    for message_id in waiting:
        enqueue_on_commit(tasks.fetch_documents, message_id)
    return len(waiting)


def _hand_over(message: Message) -> None:
    """Deliver what is left; tell the sender what was not sent (or fail the message when
    nothing is left to send)."""
    Message.objects.filter(pk=message.pk).update(media_pending=0)
    reasons = list(
        PendingDocument.objects.filter(message=message, failed=True)
        .order_by("pk")
        .values_list("refusal", flat=True)
    )
    if not message.body.strip() and not message.attachments.exists():
        fail_message(
            message,
            code=Failure.DOCUMENTS_REFUSED,
            reason=" ".join(reasons) or "None of the chosen documents could be sent.",
        )
        return
    notify_documents_not_sent(message=message, reasons=reasons)
    enqueue_on_commit(messaging_tasks.deliver_message, message.pk)
