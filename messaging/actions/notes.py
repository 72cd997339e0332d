"""Internal notes: staff's own words inside a client's thread, never sent to the client.

A note is a Message with the INTERNAL direction (its constraints say it has an author and is
never sent), so it sits in the thread's order, is kept like every message, and reaches the
export; everything that reaches the client reads `Message.objects.for_client()`. A note leaves
the thread's place in the lists, its preview and its unread state alone: those follow the
client conversation. `@username` mentions a colleague (or `@First`, when one colleague has that
first name), who is told by their own notification settings (notifications subscribes).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hona.models import User
from messaging import events, live
from messaging.mentions import mentioned_in
from messaging.models import MAX_BODY, Message, Thread


@transaction.atomic
def write_note(*, thread: Thread, author: User, body: str) -> Message:
    """Store a staff member's internal note in the thread and tell whom it mentions."""
    if author.organization_id != thread.organization_id:
        raise ValidationError("The author belongs to another firm.")
    body = body.strip()
    if not body:
        raise ValidationError("An internal note needs some text.")
    if len(body) > MAX_BODY:
        raise ValidationError(f"A note can be at most {MAX_BODY} characters long.")
    if "\x00" in body:
        raise ValidationError("The note has a NUL character in it. Remove it and save again.")
    now = timezone.now()
    note = Message.objects.create(
        organization_id=thread.organization_id,
        thread=thread,
        direction=Message.Direction.INTERNAL,
        body=body,
        sender=author,
        status=Message.Status.INTERNAL,
        project_id=thread.current_project_id,
        created_at=now,
        status_changed_at=now,
    )
    mentioned = mentioned_in(body, organization_id=thread.organization_id, author=author)
    # Notifications tells the mentioned; cms_sync files it as a note when the firm says so.
    events.publish(events.NoteWritten(message=note, mentioned=mentioned))
    live.staff_only_change(organization_id=thread.organization_id, thread_id=thread.pk)
    return note
