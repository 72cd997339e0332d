"""The Unread filter: only the user's unread threads, newest activity first, page after page."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from hona.models import Organization, User
from messaging import actions
from messaging.models import Message
from messaging.queries import CONVERSATIONS_PAGE, ConversationFilter, conversation_page


def test_the_unread_filter_lists_my_unread_threads_newest_first_across_pages(
    firm: Organization, owner: User, make_contact: Any
) -> None:
    start = timezone.now() - datetime.timedelta(days=3)
    unread, read = [], []
    for n in range(CONVERSATIONS_PAGE + 15):
        thread = make_contact(firm, f"Client {n:02d}").thread
        actions.record_message(
            thread=thread,
            direction=Message.Direction.INBOUND,
            body=f"Message {n}",
            channel=Message.Channel.SMS,
            status=Message.Status.RECEIVED,
            created_at=start + datetime.timedelta(minutes=n),
        )
        if n % 7 == 3:  # opened already: not in the filter
            actions.mark_thread_read(user=owner, thread=thread)
            read.append(thread.pk)
        else:
            unread.append(thread.pk)

    first = conversation_page(owner, filter=ConversationFilter.UNREAD)
    assert first.next_cursor is not None
    rest = conversation_page(owner, filter=ConversationFilter.UNREAD, cursor=first.next_cursor)
    shown = [t.pk for t in first.items] + [t.pk for t in rest.items]
    assert shown == list(reversed(unread))  # newest first, each once, none of the read ones
    assert rest.next_cursor is None
    assert all(getattr(t, "is_unread") for t in first.items)  # noqa: B009 - an annotation
