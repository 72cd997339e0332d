"""Writes for CMS filing: connecting an integration, queueing and filing entries, re-filing."""

from cms_sync.actions.filing import (
    file_entry,
    payload_of,
    queue_file,
    queue_message,
    refile_message,
    requeue_stale_entries,
    retry_all_failed,
    retry_entry,
)
from cms_sync.actions.integrations import (
    active_integration,
    connect_clio,
    connect_webhook,
    disconnect,
)
from cms_sync.actions.keys import Rotation, rotate_encryption_keys

__all__ = [
    "Rotation",
    "active_integration",
    "connect_clio",
    "connect_webhook",
    "disconnect",
    "file_entry",
    "payload_of",
    "queue_file",
    "queue_message",
    "refile_message",
    "requeue_stale_entries",
    "retry_all_failed",
    "retry_entry",
    "rotate_encryption_keys",
]
