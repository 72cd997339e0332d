"""Attach file from integration: list the case's documents in Clio, send chosen ones.

Listing runs in a task (no outside call in a web request); the page polls for the result, which
is kept briefly in the cache. Chosen documents are fetched by a task into attachments, then the
message is delivered like any upload (MMS rules and email fallback included).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction

from cms_sync.clio import ClioClient, download_document, list_documents
from cms_sync.errors import FilingRejected, FilingUnavailable
from cms_sync.models import Integration, PendingDocument
from hona.models import User
from messaging import actions
from messaging.models import Attachment, Message, Thread

logger = logging.getLogger(__name__)
LIST_TTL = 120


def listing_key(integration_id: int, matter_id: str, query: str, page_url: str) -> str:
    digest = hashlib.sha256(f"{matter_id}|{query}|{page_url}".encode()).hexdigest()[:24]
    return f"clio-docs:{integration_id}:{digest}"


def documents_for(
    *, integration: Integration, matter_id: str, query: str, page_url: str
) -> dict[str, Any] | None:
    """The listing if ready; otherwise start loading it and return None."""
    from cms_sync.tasks import load_documents

    key = listing_key(integration.pk, matter_id, query, page_url)
    found: dict[str, Any] | None = cache.get(key)
    if found is not None:
        return found
    if cache.add(key + ":loading", 1, timeout=30):
        load_documents.delay(integration.pk, matter_id, query, page_url)
    return None


def load_documents(*, integration_id: int, matter_id: str, query: str, page_url: str) -> None:
    integration = Integration.objects.get(pk=integration_id)
    key = listing_key(integration_id, matter_id, query, page_url)
    try:
        items, next_url = list_documents(ClioClient(integration), matter_id, query, page_url)
        result: dict[str, Any] = {"items": items, "next": next_url, "error": ""}
    except (FilingUnavailable, FilingRejected) as error:
        result = {"items": [], "next": "", "error": str(error)}
    cache.set(key, result, timeout=LIST_TTL)
    cache.delete(key + ":loading")


@transaction.atomic
def send_documents(
    *, thread: Thread, sender: User, body: str, documents: list[tuple[str, str]]
) -> Message:
    """An outbound message carrying documents from the case: fetched, then delivered."""
    from cms_sync.tasks import fetch_documents

    message = actions.record_message(
        thread=thread,
        direction=Message.Direction.OUTBOUND,
        body=body,
        channel=Message.Channel.PENDING,
        status=Message.Status.QUEUED,
        sender=sender,
        media_pending=len(documents),
    )
    PendingDocument.objects.bulk_create(
        PendingDocument(message=message, document_id=document_id, name=name[:255])
        for document_id, name in documents
    )
    message_id = message.pk
    transaction.on_commit(lambda: fetch_documents.delay(message_id), robust=True)
    return message


def fetch_documents(*, message_id: int) -> float | None:
    """Download the chosen documents; when all are in, hand the message to delivery."""
    from messaging.tasks import deliver_message

    message = Message.objects.select_related("organization").get(pk=message_id)
    tries = int(cache.get(f"fetch-documents:{message_id}") or 0) + 1
    cache.set(f"fetch-documents:{message_id}", tries, timeout=86400)
    give_up = tries > 8  # Clio stayed unavailable: send what we have, say what is missing
    integration = Integration.objects.filter(
        organization_id=message.organization_id, kind="clio", status="active"
    ).first()
    for pending in PendingDocument.objects.filter(
        message=message, attachment__isnull=True, failed=False
    ):
        if integration is None:
            PendingDocument.objects.filter(pk=pending.pk).update(failed=True)
            continue
        try:
            content, content_type = download_document(ClioClient(integration), pending.document_id)
        except FilingUnavailable as error:
            if not give_up:
                return error.retry_after or 30.0
            PendingDocument.objects.filter(pk=pending.pk).update(failed=True)
            continue
        except FilingRejected as error:
            logger.warning("Document %s could not be fetched: %s", pending.document_id, error)
            PendingDocument.objects.filter(pk=pending.pk).update(failed=True)
            continue
        with transaction.atomic():
            attachment = Attachment(
                organization_id=message.organization_id,
                message=message,
                filename=pending.name,
                content_type=content_type,
                size=len(content),
                source=Attachment.Source.CMS,
            )
            attachment.file.save(pending.name, ContentFile(content), save=False)
            attachment.save()
            PendingDocument.objects.filter(pk=pending.pk).update(attachment=attachment)
    Message.objects.filter(pk=message_id).update(media_pending=0)
    transaction.on_commit(lambda: deliver_message.delay(message_id), robust=True)
    return None
