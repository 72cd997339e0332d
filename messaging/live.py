"""The live updates messaging announces (hona.live carries them to open screens).

Event names, on a firm's channel (every staff screen of the firm):
- `thread-<id>`: a message of the thread was added or changed status (the open thread fetches
  what changed);
- `scheduled-<id>`: the thread's scheduled messages changed (added, edited, cancelled, sent);
- `conversations`: the firm's conversation list changed (a new thread, an order, a flag, an
  archive) and `badge`: someone's unread count may have;
on a user's channel: `conversations` and `badge` when only that user's unread state changed; on a
thread's portal channel: `thread`, for the client's open portal.
"""

from __future__ import annotations

from hona import live
from messaging.models import Thread


def thread_changed(*, organization_id: int, thread_id: int) -> None:
    """A message was added to the thread or changed: the thread, the list, badges, the portal."""
    firm = live.firm_channel(organization_id)
    live.publish_many(
        (
            (firm, f"thread-{thread_id}"),
            (firm, "conversations"),
            (firm, "badge"),
            (live.portal_channel(thread_id), "thread"),
        )
    )


def staff_only_change(*, organization_id: int, thread_id: int) -> None:
    """Something only staff see was added to a thread's messages (an internal note):
    only the firm's open copies of the thread hear of it (not the list, whose order and preview
    follow the client conversation, nor the portal)."""
    live.publish(live.firm_channel(organization_id), f"thread-{thread_id}")


def scheduled_changed(*, organization_id: int, thread_id: int) -> None:
    """The thread's scheduled messages changed: its open copies redraw their list of them."""
    live.publish(live.firm_channel(organization_id), f"scheduled-{thread_id}")


def list_changed(thread: Thread) -> None:
    """The thread's place in the firm's lists changed (flag, archive, spam, project)."""
    firm = live.firm_channel(thread.organization_id)
    live.publish_many(((firm, "conversations"), (firm, "badge")))


def read_changed(*, user_id: int) -> None:
    """This user's own unread state changed (their other tabs follow)."""
    channel = live.user_channel(user_id)
    live.publish(channel, "conversations")
    live.publish(channel, "badge")
