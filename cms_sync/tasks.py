"""The async boundary for CMS filing: load by id, call the action, wait as it says.

Filing keeps its own attempt count on the outbox row (so a lost task is swept up where it left
off); each wait is the CMS's Retry-After or the one retry policy (hona.retry), set by the action.
"""

from __future__ import annotations

from celery import shared_task

from cms_sync import actions, documents


@shared_task(acks_late=True)
def file_entry(entry_id: int) -> None:
    wait = actions.file_entry(entry_id=entry_id)
    if wait is not None:
        file_entry.apply_async((entry_id,), countdown=wait)


@shared_task(acks_late=True)
def requeue_stale_entries() -> int:
    """Filings whose task was lost go back to the queue."""
    return actions.requeue_stale_entries()


@shared_task(acks_late=True)
def requeue_stale_documents() -> int:
    """Documents from the case whose fetch task was lost are fetched again."""
    return documents.requeue_stale_documents()


@shared_task(acks_late=True)
def load_documents(integration_id: int, matter_id: str, query: str, page_token: str) -> None:
    documents.load_documents(
        integration_id=integration_id, matter_id=matter_id, query=query, page_token=page_token
    )


@shared_task(acks_late=True)
def fetch_documents(message_id: int) -> None:
    wait = documents.fetch_documents(message_id=message_id)
    if wait is not None:
        fetch_documents.apply_async((message_id,), countdown=wait)
