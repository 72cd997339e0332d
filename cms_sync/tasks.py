"""The async boundary for CMS filing."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def file_entry(entry_id: int) -> None:
    from cms_sync.actions import file_entry as file

    wait = file(entry_id=entry_id)
    if wait is not None:
        # Our own attempt count decides when to give up; the wait honours the CMS's Retry-After.
        file_entry.apply_async((entry_id,), countdown=wait)


@shared_task(acks_late=True)
def requeue_stale_entries() -> int:
    from cms_sync.actions import requeue_stale_entries as requeue

    return requeue()


@shared_task(acks_late=True)
def requeue_stale_documents() -> int:
    from cms_sync.documents import requeue_stale_documents as requeue

    return requeue()


@shared_task(acks_late=True)
def load_documents(integration_id: int, matter_id: str, query: str, page_token: str) -> None:
    from cms_sync.documents import load_documents as load

    load(integration_id=integration_id, matter_id=matter_id, query=query, page_token=page_token)


@shared_task(acks_late=True)
def fetch_documents(message_id: int) -> None:
    from cms_sync.documents import fetch_documents as fetch

    wait = fetch(message_id=message_id)
    if wait is not None:
        fetch_documents.apply_async((message_id,), countdown=wait)
