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
