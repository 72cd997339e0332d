"""Reads for the messaging screens, always scoped to the requesting user's firm.

Each screen's read is built here with its joins, so its query count stays fixed however much data
there is; tests pin those counts.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime

from hona.models import Organization, User
from hona.text import one_line
from messaging.models import (
    Attachment,
    Contact,
    Message,
    MessageTemplate,
    ScheduledMessage,
    Thread,
    UnreadThread,
)
from projects.models import Project

CONVERSATIONS_PAGE = 50
MESSAGES_PAGE = 50


class ConversationRow(NamedTuple):
    """One row of the Conversations list: what it shows, read as plain values (no model)."""

    pk: int
    last_message_at: datetime.datetime
    last_message_preview: str
    is_flagged: bool
    contact_name: str
    project_name: str | None
    is_unread: bool
    is_in_scope: bool  # unread and inside the user's notification scope (counted in the badge)


# ConversationRow's columns, in order.
ROW_COLUMNS = (
    "pk",
    "last_message_at",
    "last_message_preview",
    "is_flagged",
    "contact__name",
    "current_project__name",
    "is_unread",
    "is_in_scope",
)


class ConversationFilter(StrEnum):
    ALL = "all"
    UNREAD = "unread"
    FLAGGED = "flagged"
    ARCHIVED = "archived"
    SPAM = "spam"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @classmethod
    def parse(cls, value: str | None) -> ConversationFilter:
        try:
            return cls(value or cls.ALL)
        except ValueError:
            return cls.ALL


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    # The values of the caller's `also` columns, read along with the rows (empty without rows).
    also: dict[str, Any] = field(default_factory=dict)


def _encode_cursor(moment: datetime.datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime.datetime, int] | None:
    """A malformed cursor is treated as "from the start", never as an error page."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment_text, pk_text = raw.split("|", 1)
        moment = parse_datetime(moment_text)
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if moment is None:
        return None
    return moment, pk


def contact_search_q(term: str, prefix: str = "") -> Q:
    """Name or email containing the term, or a phone containing its digits in any format."""
    term = one_line(term)  # a NUL or a line break typed into the box matches as a space
    query = Q(**{f"{prefix}name__icontains": term}) | Q(**{f"{prefix}email__icontains": term})
    digits = re.sub(r"\D", "", term)
    if len(digits) >= 3:
        if len(digits) == 10 and not term.lstrip().startswith("+"):
            digits = "1" + digits  # a full US number typed without the country code
        query |= Q(**{f"{prefix}phone__contains": digits})
    return query


def conversation_page(
    user: User,
    *,
    filter: ConversationFilter = ConversationFilter.ALL,
    search: str = "",
    cursor: str | None = None,
    unread: QuerySet[UnreadThread] | None = None,
    also: Mapping[str, Any] | None = None,
) -> Page[ConversationRow]:
    """One page of the Conversations tab: newest activity first, one query.

    `unread` is what the Unread filter shows: the user's unread rows within their notification
    scope (notifications.queries.scoped_unread), or all of their unread rows when not given.
    `also` names columns to read in the same query, the same on every row (the badge's numbers,
    notifications.queries.badge_columns); the page carries their values.
    """
    threads = Thread.objects.for_user(user)
    if filter is ConversationFilter.ALL:
        threads = threads.visible()
    elif filter is ConversationFilter.UNREAD:
        mine = UnreadThread.objects.filter(user=user) if unread is None else unread
        threads = threads.filter(pk__in=mine.values("thread_id"))
    elif filter is ConversationFilter.FLAGGED:
        threads = threads.filter(is_flagged=True, is_spam=False)
    elif filter is ConversationFilter.ARCHIVED:
        threads = threads.filter(is_archived=True, is_spam=False)
    elif filter is ConversationFilter.SPAM:
        threads = threads.filter(is_spam=True)
    if search.strip():
        threads = threads.filter(contact_search_q(search, prefix="contact__"))
    position = _decode_cursor(cursor)
    if position is not None:
        moment, pk = position
        threads = threads.filter(
            Q(last_message_at__lt=moment) | Q(last_message_at=moment, pk__lt=pk)
        )
    mine = UnreadThread.objects.filter(user=user)
    in_scope = mine if unread is None else unread
    newest_first: list[Any] = ["-last_message_at", "-pk"]
    if filter is ConversationFilter.UNREAD:
        # A user's unread threads are a few hundred of the firm's tens of thousands: sort those.
        # Ordered by the column itself, PostgreSQL walks the firm's activity index from the top
        # and probes each thread for an unread row (28,000 probes for 50 rows at 50,000
        # threads); an expression it has no index for makes it fetch the unread ones and sort.
        newest_first = [(F("last_message_at") + datetime.timedelta(0)).desc(), "-pk"]
    # Plain values, not models: building 150 model instances (thread, contact, project) for 50
    # rows took longer than PostgreSQL took to find them.
    extra = dict(also or {})
    found = list(
        threads.annotate(
            is_unread=Exists(mine.filter(thread=OuterRef("pk"))),
            # An unread thread the notification scope leaves out has a dot but no badge count.
            is_in_scope=Exists(in_scope.filter(thread=OuterRef("pk"))),
            **extra,
        )
        .order_by(*newest_first)
        .values_list(*ROW_COLUMNS, *extra)[: CONVERSATIONS_PAGE + 1]
    )
    rows = [ConversationRow._make(values[: len(ROW_COLUMNS)]) for values in found]
    also_values = dict(zip(extra, found[0][len(ROW_COLUMNS) :], strict=True)) if found else {}
    next_cursor = None
    if len(rows) > CONVERSATIONS_PAGE:
        rows = rows[:CONVERSATIONS_PAGE]
        next_cursor = _encode_cursor(rows[-1].last_message_at, rows[-1].pk)
    return Page(rows, next_cursor, also_values)


@dataclass(frozen=True)
class HiddenMatches:
    """How many threads a search matches outside "All": archived, and marked as spam."""

    archived: int = 0
    spam: int = 0


def hidden_search_matches(user: User, search: str) -> HiddenMatches:
    """The matches "All" leaves out, counted in one query, so a search can say where they are."""
    if not search.strip():
        return HiddenMatches()
    counts = (
        Thread.objects.for_user(user)
        .filter(contact_search_q(search, prefix="contact__"))
        .aggregate(
            archived=Count("pk", filter=Q(is_archived=True, is_spam=False)),
            spam=Count("pk", filter=Q(is_spam=True)),
        )
    )
    return HiddenMatches(archived=counts["archived"] or 0, spam=counts["spam"] or 0)


def scheduled_for_thread(thread: Thread) -> list[ScheduledMessage]:
    """The thread's messages waiting to be sent, soonest first, with their authors."""
    return list(
        ScheduledMessage.objects.filter(thread_id=thread.pk, status=ScheduledMessage.Status.PENDING)
        .select_related("sender")
        .prefetch_related("files")
        .order_by("send_at", "pk")
    )


NOTE_MATCHES = 5


def note_search_matches(user: User, search: str) -> list[Message]:
    """The firm's newest internal notes whose text has the search in it, with their threads.

    One query, read through the partial index on notes (few rows beside the messages), so a
    search costs the same at a million messages."""
    term = one_line(search).strip()  # a NUL or a line break typed into the box: a space
    if not term:
        return []
    return list(
        Message.objects.for_user(user)
        .notes()
        .filter(body__icontains=term)
        .select_related("thread__contact", "sender")
        .order_by("-created_at", "-pk")[:NOTE_MATCHES]
    )


def get_thread_for_user(user: User, pk: int) -> Thread:
    """The thread if it belongs to the user's firm; 404 otherwise (never 403, never data)."""
    # The firm's current integration (or the last one it had), for the filing banner and the
    # receipts: cms_sync's, read by the relation's name (messaging does not import cms_sync) and
    # by the firm's id, without a join. A firm has one live integration at most (cms_sync's
    # constraint), and it comes first: only a disconnected one has `disconnected_at`.
    latest = (
        _integration_model()
        ._default_manager.filter(organization_id=OuterRef("organization_id"))
        .order_by(F("disconnected_at").desc(nulls_first=True), "-connected_at")
    )
    thread: Thread = get_object_or_404(
        Thread.objects.for_user(user)
        .select_related(
            # the contact's firm: its consent rule decides the route line, without a query
            "contact__organization",
            "current_project",
            "flagged_by",
            "archived_by",
            "spam_marked_by",
        )
        .annotate(
            # Whether this user has it unread: opening a thread they have read writes nothing.
            unread_by_me=Exists(UnreadThread.objects.filter(user=user, thread=OuterRef("pk"))),
            cms_kind=Subquery(latest.values("kind")[:1]),
            cms_status=Subquery(latest.values("status")[:1]),
        ),
        pk=pk,
    )
    # Whether the firm files into a CMS now, and into Clio (for the header's case link).
    thread.cms_active = thread.cms_status == "active"  # type: ignore[attr-defined]
    thread.cms_clio = thread.cms_active and thread.cms_kind == "clio"  # type: ignore[attr-defined]
    return thread


@dataclass(frozen=True)
class FilingOff:
    """Why a thread's messages are not being filed to the case, said once above them."""

    cms_name: str  # "Clio", or "your CMS"
    reason: str  # "none" (nothing connected), "inactive", "token_expired"


def filing_off(thread: Thread, project_choices: list[Project]) -> FilingOff | None:
    """For a thread from get_thread_for_user: set when its contact's case would be filed to,
    but the firm's integration is off (the receipts under each message then say nothing)."""
    if getattr(thread, "cms_active", True) or not any(p.cms_case_id for p in project_choices):
        return None
    kind = getattr(thread, "cms_kind", None)
    status = getattr(thread, "cms_status", None) or "none"
    return FilingOff(cms_name="Clio" if kind == "clio" else "your CMS", reason=status)


def _integration_model() -> type[Model]:
    """cms_sync's integration, by the relation's name: messaging does not import cms_sync."""
    model = Organization._meta.get_field("integrations").related_model
    assert isinstance(model, type)
    return model


def _filing_model() -> type[Model]:
    """cms_sync's filing entry, by the relation's name: messaging does not import cms_sync."""
    model = Message._meta.get_field("filings").related_model
    assert isinstance(model, type)
    return model


def _messages_with_details(thread: Thread) -> QuerySet[Message]:
    """A thread's messages with their sender and project; `with_details` adds their files and
    filing receipts. Whether a message has any is read with it (two index probes a row), so a
    page of plain texts costs no query for files or receipts."""
    filings = _filing_model()
    return (
        Message.objects.filter(thread=thread)
        .select_related("sender", "project")
        .annotate(
            has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))),
            has_filings=Exists(filings._default_manager.filter(message=OuterRef("pk"))),
        )
    )


def with_details(messages: list[Message]) -> list[Message]:
    """Fetch the files and filing receipts of the messages that have them; the others get empty
    ones without a query."""
    filings = _filing_model()
    relations: list[tuple[str, str, Prefetch[Any], type[Model]]] = [
        (
            "attachments",
            "has_files",
            Prefetch("attachments", Attachment.objects.order_by("pk")),
            Attachment,
        ),
        (
            "filings",
            "has_filings",
            # A file's receipt names the file: read with it, not one query a receipt.
            Prefetch("filings", filings._default_manager.select_related("attachment")),
            filings,
        ),
    ]
    for name, flag, lookup, model in relations:
        prefetch_related_objects([m for m in messages if getattr(m, flag, True)], lookup)
        empty = model._default_manager.none()
        for message in messages:
            if not getattr(message, flag, True):
                # What prefetch_related leaves on a message without any: an empty result.
                message.__dict__.setdefault("_prefetched_objects_cache", {})[name] = empty
    return messages


# How far back a link to one message (a mention's notification) may open the thread: from that
# message to the latest, when they are no more than this many.
MESSAGES_REACH = 500


def message_page(
    thread: Thread, *, before: str | None = None, reaching: int | None = None
) -> Page[Message]:
    """The latest messages of a thread (or those before a cursor), returned oldest first.

    `reaching`: a message of the thread that must be on the page (a link to it): when it is
    older than the latest page, the page runs from it to the latest (up to MESSAGES_REACH)."""
    messages = _messages_with_details(thread)
    position = _decode_cursor(before)
    if position is not None:
        moment, pk = position
        messages = messages.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(messages.order_by("-created_at", "-pk")[: MESSAGES_PAGE + 1])
    earlier = None
    if len(rows) > MESSAGES_PAGE:
        rows = rows[:MESSAGES_PAGE]
        earlier = _encode_cursor(rows[-1].created_at, rows[-1].pk)
        if reaching is not None and all(row.pk != reaching for row in rows):
            rows, earlier = _reaching(messages, reaching, rows, earlier)
    rows = with_details(rows)
    rows.reverse()
    return Page(rows, earlier)


def _reaching(
    messages: QuerySet[Message], pk: int, rows: list[Message], earlier: str
) -> tuple[list[Message], str | None]:
    """The thread's messages from message `pk` to the latest, newest first, and the cursor
    before it; the latest page as it was when `pk` is not the thread's or is too far back."""
    target = messages.filter(pk=pk).values_list("created_at", flat=True).first()
    if target is None:
        return rows, earlier
    since = Q(created_at__gt=target) | Q(created_at=target, pk__gte=pk)
    reached = list(messages.filter(since).order_by("-created_at", "-pk")[:MESSAGES_REACH])
    if not reached or reached[-1].pk != pk:
        return rows, earlier
    before = messages.filter(Q(created_at__lt=target) | Q(created_at=target, pk__lt=pk))
    return reached, _encode_cursor(target, pk) if before.exists() else None


def messages_changed_since(thread: Thread, since: datetime.datetime) -> list[Message]:
    """New messages and delivery-status changes after a moment: the live update's read."""
    return with_details(
        list(
            _messages_with_details(thread)
            .filter(status_changed_at__gt=since)
            .order_by("created_at", "pk")[: MESSAGES_PAGE * 2]
        )
    )


def thread_changed_since(thread_id: int, since: datetime.datetime) -> bool:
    """The cheap check behind the live update: one indexed probe."""
    return Message.objects.filter(thread_id=thread_id, status_changed_at__gt=since).exists()


def projects_for_thread(thread: Thread) -> list[Project]:
    """What the project selector offers: the contact's projects, open ones first."""
    return sorted(
        Project.objects.filter(clients=thread.contact_id, organization_id=thread.organization_id),
        key=lambda project: (project.status == Project.Status.CLOSED, project.name.lower()),
    )


def get_contact_for_user(user: User, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.for_user(user), pk=pk)


def search_contacts(user: User, term: str, *, limit: int = 8) -> list[Contact]:
    if not term.strip():
        return []
    return list(
        Contact.objects.for_user(user)
        .filter(contact_search_q(term))
        .select_related("thread")
        .order_by("name", "pk")[:limit]
    )


def get_template_for_user(user: User, pk: int) -> MessageTemplate:
    return get_object_or_404(MessageTemplate.objects.for_user(user), pk=pk)


def templates_for_user(user: User) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.for_user(user).select_related("created_by").order_by("name")


def get_attachment_for_user(user: User, pk: int) -> Attachment:
    return get_object_or_404(Attachment.objects.for_user(user).select_related("message"), pk=pk)


def client_names() -> QuerySet[Contact]:
    """Contacts as the Projects dashboard names them under each project: by name, nothing else
    read (50 projects' clients, with every column and their threads, cost 5 ms to load)."""
    return Contact.objects.only("pk", "name").order_by("name")


def clients_with_threads() -> QuerySet[Contact]:
    """Contacts as a project's details list them (to open a client's thread): by name, with
    thread."""
    return Contact.objects.select_related("thread").order_by("name")
