"""Inbound texts from Twilio: stored once, routed to the firm and the contact, opt-outs honoured.

The webhook calls `receive_sms` and answers at once; media downloads run as a task. Whatever
arrives from a firm's number is kept: a sender that is not a phone number (a short code, an
alphanumeric sender ID) becomes a contact of that sender ID (messaging.senders), an empty text is
kept empty, and NUL characters (which PostgreSQL cannot store) are dropped from the text.

Twilio's credentials go only to TWILIO_API_BASE_URL's exact origin (issue #10): a MediaUrl on any
other host is not stored nor fetched, only logged, and its file shows as not fetched. Twilio
answers a media request with a redirect to its media store, which is followed without them.
"""

from __future__ import annotations

import functools
import logging
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from hona.models import Organization, User
from hona.net import on_origin, same_origin
from hona.phones import parse_phone
from hona.queueing import enqueue_on_commit
from hona.sql import Columns, InsertFrom, column, table
from messaging import actions, events, live, tasks
from messaging.actions.threads import unread_columns
from messaging.models import (
    Attachment,
    Contact,
    InboundMedia,
    Message,
    Thread,
    UnreadThread,
    new_lead_name,
)
from messaging.senders import NUMBER, Sender, sender_label, sender_of

logger = logging.getLogger(__name__)

OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
KEYWORDS = OPT_OUT_WORDS | OPT_IN_WORDS  # they change the contact: never the one statement
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MEDIA_MAX_BYTES = 25 * 1024 * 1024
MEDIA_TIMEOUT = 30


class MediaFetchError(Exception):
    """Twilio's media could not be fetched now; the task retries."""


@dataclass(frozen=True)
class InboundSms:
    sid: str
    to: str
    from_: str
    body: str
    media: list[tuple[str, str]] = field(default_factory=list)  # (url, content type)


@dataclass(frozen=True)
class Received:
    message: Message | None
    duplicate: bool = False
    unknown_number: bool = False


def is_twilio_media_url(url: str) -> bool:
    """On Twilio's API origin exactly: the only place Twilio's credentials may be sent."""
    return same_origin(url, settings.TWILIO_API_BASE_URL)


def _refused_media(url: str, message_id: int | None) -> None:
    host = urlsplit(url).netloc[:100] if "//" in url else "no host"
    logger.warning(
        "Media of message %s refused: %s is not Twilio's API host (%s)",
        message_id, host, settings.TWILIO_API_BASE_URL,
    )  # fmt: skip


def keyword_of(body: str) -> str:
    return body.strip().upper()


def _one(rows: QuerySet[Any]) -> Any:
    """The row a unique index finds, or None: no ORDER BY (the contacts' default, by name,
    could have PostgreSQL walk a firm's contacts in name order to find the one)."""
    return next(iter(rows.order_by()[:1]), None)


def _find(organization: Organization, sender: Sender) -> Contact | None:
    contacts = Contact.objects.for_organization(organization)
    if sender.phone:
        return _one(contacts.filter(phone=sender.phone))
    found = _one(contacts.filter(sender_id=sender.sender_id))
    if found is None and NUMBER.fullmatch(sender.sender_id):
        # Before sender IDs, a number phonenumbers did not know was kept in `phone` as given.
        found = _one(contacts.filter(phone=sender.sender_id))
    return found


def _contact_for(organization: Organization, sender: Sender) -> Contact:
    """The firm's contact for this sender, or a new lead with its own thread.

    A short code or sender ID becomes a lead named after it ("Short code 12345"), kept in
    `sender_id`: it cannot receive texts, so replies go by email or are refused.
    """
    existing = _find(organization, sender)
    if existing is not None:
        return existing
    name = new_lead_name(sender.phone) if sender.phone else sender_label(sender.sender_id)
    try:
        with transaction.atomic():
            return actions.create_contact(
                organization=organization,
                name=name,
                kind=Contact.Kind.LEAD,
                phone=sender.phone,
                sender_id=sender.sender_id,
            )
    except (ValidationError, IntegrityError):
        # Another request created them a moment ago: that contact is theirs.
        found = _find(organization, sender)
        if found is None:
            raise
        return found


@functools.cache
def _thread_of_numbers(firm: str, phone: str) -> str:
    """FROM … WHERE of the thread (`t`) of the firm's contact (`c`) with this phone number, the
    firm (`o`) found by its own number: the two placeholders given."""
    th, ct, org = (functools.partial(column, model) for model in (Thread, Contact, Organization))
    return (
        f"FROM {table(Thread)} t "
        f"JOIN {table(Contact)} c ON c.{ct('id')} = t.{th('contact')} "
        f"AND c.{ct('organization')} = t.{th('organization')} "
        f"JOIN {table(Organization)} o ON o.{org('id')} = t.{th('organization')} "
        f"WHERE o.{org('sms_number')} = {firm} AND c.{ct('phone')} = {phone}"
    )


@functools.cache
def _known_thread_statement() -> tuple[str, Columns[Thread], Columns[Contact]]:
    threads, contacts = Columns(Thread, "t"), Columns(Contact, "c")
    lock = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
    where = _thread_of_numbers("%s", "%s")
    sql = f"SELECT {threads.sql}, {contacts.sql} {where} LIMIT 1{lock}"
    return sql, threads, contacts


def _known_thread(firm_number: str, sender: Sender) -> Thread | None:
    """The thread of the firm's contact with this phone number, locked for this message, with
    its contact: one statement, on the path of nearly every text, written once (compiling the
    queryset took a third of the webhook's time)."""
    if not sender.phone:
        return None
    sql, threads, contacts = _known_thread_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [firm_number, sender.phone])
        row = cursor.fetchone()
    if row is None:
        return None
    thread = threads.load(row[: len(threads)])
    thread.contact = contacts.load(row[len(threads) :])
    return thread


@dataclass(frozen=True)
class _KnownText:
    sql: str
    message: InsertFrom[Message]
    members: tuple[events.InStatement, ...]


@functools.cache
def _known_text_statement() -> _KnownText | None:
    """The one statement that stores a known client's plain text, on PostgreSQL: it finds and
    locks their thread (`t`), inserts the message (`m`), brings the thread up to date, marks it
    unread for every active colleague and runs each MessageRecorded handler's own member (the
    alert's burst, the CMS filing) — what `record_message` and `publish` do in five to eight
    round trips, in one, as its own transaction. None where some handler has no member, or on
    SQLite (whose UPDATE … FROM and data-modifying WITH differ): the usual way then."""
    members = events.in_statement(events.MessageRecorded)
    if members is None or connection.vendor != "postgresql":
        return None
    th, ct = functools.partial(column, Thread), functools.partial(column, Contact)
    msg = functools.partial(column, Message)
    message = InsertFrom(
        Message,
        source="t",
        exprs={
            "organization": f"t.{th('organization')}",
            "thread": f"t.{th('id')}",
            "project": f"t.{th('current_project')}",
        },
        given=(
            "direction",
            "body",
            "channel",
            "status",
            "provider_sid",
            "created_at",
            "status_changed_at",
        ),
        returning=("id", "thread", "organization", "project", "created_at"),
        prefix="m_",
    )
    # Their thread, unless their text has something to record about them (their consent, by
    # texting first): then the usual way, which does (keywords never come this way).
    thread = (
        f"SELECT t.{th('id')}, t.{th('organization')}, t.{th('current_project')}, "
        f"t.{th('is_flagged')}, t.{th('is_spam')}, t.{th('last_message_at')}, "
        f"t.{th('last_message_preview')}, t.{th('last_inbound_at')} "
        f"{_thread_of_numbers('%(firm)s', '%(phone)s')} "
        f"AND (c.{ct('consent_given_at')} IS NOT NULL OR c.{ct('sms_opted_out')} "
        f"OR c.{ct('first_texted_at')} IS NOT NULL) LIMIT 1 FOR UPDATE OF t"
    )
    # record_message's test: this message is the thread's latest.
    latest = f"t.{th('last_message_preview')} = '' OR %(now)s >= t.{th('last_message_at')}"
    update = (
        f"UPDATE {table(Thread)} u SET {th('is_archived')} = false, "  # noqa: S608 - models
        f"{th('archived_at')} = NULL, {th('archived_by')} = NULL, "
        f"{th('last_message_at')} = CASE WHEN {latest} THEN %(now)s "
        f"ELSE t.{th('last_message_at')} END, "
        f"{th('last_message_preview')} = CASE WHEN {latest} THEN %(preview)s "
        f"ELSE t.{th('last_message_preview')} END, "
        f"{th('last_inbound_at')} = GREATEST(t.{th('last_inbound_at')}, %(now)s) "
        f"FROM t, m WHERE u.{th('id')} = t.{th('id')}"
    )
    user = functools.partial(column, User)
    unread = (
        f"INSERT INTO {table(UnreadThread)} ({unread_columns()}) "  # noqa: S608 - models
        f"SELECT s.{user('id')}, t.{th('id')}, %(now)s, t.{th('current_project')}, "
        f"t.{th('is_flagged')} FROM {table(User)} s, t, m "
        f"WHERE s.{user('organization')} = t.{th('organization')} AND s.{user('is_active')} "
        f"AND NOT t.{th('is_spam')} ON CONFLICT DO NOTHING"
    )
    parts = [f"t AS ({thread})", f"m AS ({message.sql})", f"u AS ({update})", f"r AS ({unread})"]
    parts += [f"h{index} AS ({member.sql()})" for index, member in enumerate(members)]
    values = "".join(
        f", (SELECT * FROM h{index} LIMIT 1)"  # noqa: S608 - model names
        for index in range(len(members))
    )
    sql = (
        f"WITH {', '.join(parts)} SELECT m.{msg('id')}, m.{msg('thread')}, "  # noqa: S608 - model names
        f"m.{msg('organization')}, m.{msg('project')}{values} FROM m"
    )
    return _KnownText(sql=sql, message=message, members=tuple(members))


def _store_known_text(
    statement: _KnownText, firm_number: str, phone: str, sid: str, body: str
) -> Message | None:
    """A known client's plain text in one statement (see `_known_text_statement`), or None
    when it is not theirs to store this way (a new sender, a number no firm uses, a text that
    records their consent) and nothing was written."""
    when = timezone.now()
    message = Message(
        direction=Message.Direction.INBOUND,
        body=body,
        channel=Message.Channel.SMS,
        status=Message.Status.RECEIVED,
        provider_sid=sid,
        created_at=when,
        status_changed_at=when,
    )
    params: dict[str, Any] = {
        "firm": firm_number,
        "phone": phone,
        "now": connection.ops.adapt_datetimefield_value(when),
        "preview": actions.preview_of(message) or "(empty message)",
        **statement.message.params(message),
    }
    for member in statement.members:
        params.update(member.params(when))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    message.pk, message.thread_id, message.organization_id, message.project_id = row[:4]
    message._state.adding, message._state.db = False, connection.alias
    for member, value in zip(statement.members, row[4:], strict=True):
        if value is not None:
            transaction.on_commit(functools.partial(member.committed, value, message), robust=True)
    live.thread_changed(organization_id=message.organization_id, thread_id=message.thread_id)
    return message


def _normalise(number: str) -> str:
    try:
        return parse_phone(number).e164
    except ValidationError:
        return number.strip()


def receive_sms(sms: InboundSms) -> Received:
    """Store an inbound SMS/MMS exactly once and bring its thread up to date.

    Twilio's retry of a message already stored is found by the message's unique provider id when
    it is inserted (the IntegrityError below), not by a query first: every message saves one.
    A known client's plain text is one statement on PostgreSQL (`_known_text_statement`);
    elsewhere, and for any other text, five or more in its transaction: their thread (found by
    the firm's number, with the contact, locked), the message, the thread's update, every
    colleague's unread row, and the alert's burst."""
    firm_number = _normalise(sms.to)
    # PostgreSQL cannot store NUL in text: the rest of what they wrote is kept.
    body = sms.body.replace("\x00", "")[: settings.MESSAGE_MAX_LENGTH]
    try:
        plain = not sms.media and keyword_of(body) not in KEYWORDS
        statement = _known_text_statement() if plain else None
        # Twilio sends a client's number in E.164, as their contact keeps it: looked up as it
        # came, unparsed (a stored number parses to itself). Any other form is parsed first.
        phone = ""
        if statement is not None:
            phone = sms.from_ if E164.fullmatch(sms.from_) else sender_of(sms.from_).phone
        if statement is not None and phone:
            # Its own transaction; a savepoint inside a caller's (a duplicate must not end it).
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                message = _store_known_text(statement, firm_number, phone, sms.sid, body)
            if message is not None:
                return Received(message)
        sender = sender_of(sms.from_)
        with transaction.atomic():
            thread = _known_thread(firm_number, sender)
            if thread is None:  # a new sender, or a number no firm uses
                organization = _one(Organization.objects.filter(sms_number=firm_number))
                if organization is None:
                    logger.warning("Inbound SMS %s to a number no firm uses", sms.sid)
                    return Received(None, unknown_number=True)
                contact = _contact_for(organization, sender)
                thread = Thread.objects.select_for_update().get(contact=contact)
                thread.contact = contact
            contact = thread.contact
            word = keyword_of(body) if contact.phone else ""  # we never text a short code
            if word in OPT_OUT_WORDS and not contact.sms_opted_out:
                actions.set_sms_opt_out(
                    contact=contact, opted_out=True, keyword=word, source="inbound SMS"
                )
            elif word in OPT_IN_WORDS and contact.sms_opted_out:
                actions.set_sms_opt_out(
                    contact=contact, opted_out=False, keyword=word, source="inbound SMS"
                )
            if contact.phone and contact.consent_given_at is None and not contact.sms_opted_out:
                # Their own text says yes: a YES to the firm's request, or a first text of
                # theirs before the firm ever texted them (read from the row already locked).
                if word == "YES" and contact.consent_requested_at is not None:
                    actions.client_consented(contact=contact, source="replied_yes", keyword=word)
                elif contact.first_texted_at is None and word not in OPT_OUT_WORDS:
                    actions.client_consented(contact=contact, source="texted_first")
            message = actions.record_message(
                thread=thread,
                direction=Message.Direction.INBOUND,
                body=body,
                channel=Message.Channel.MMS if sms.media else Message.Channel.SMS,
                status=Message.Status.RECEIVED,
                provider_sid=sms.sid,
                media_pending=len(sms.media),
                allow_empty=True,  # what arrived is kept, even an empty text
            )
            if sms.media:
                rows = []
                for i, (url, kind) in enumerate(sms.media):
                    fetchable = is_twilio_media_url(url)
                    if not fetchable:
                        _refused_media(url, message.pk)
                    rows.append(
                        InboundMedia(
                            message=message,
                            position=i,
                            url=url[:1000] if fetchable else "",
                            content_type=kind[:127],
                            failed=not fetchable,
                            failure="" if fetchable else InboundMedia.Failure.NOT_TWILIO,
                        )
                    )
                InboundMedia.objects.bulk_create(rows)
                # After commit; a sweeper fetches them if the broker is down then.
                enqueue_on_commit(tasks.fetch_inbound_media, message.pk)
    except IntegrityError:
        # Twilio retried while the first delivery was being stored: that one wins.
        if Message.objects.filter(provider_sid=sms.sid).exists():
            return Received(None, duplicate=True)
        raise
    return Received(message)


def _download(url: str) -> requests.Response:
    """Twilio's media: asked for with Basic auth on Twilio's API origin, then its redirect to
    the media store followed without the credentials (the store's link is its own permission)."""
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    api_url = on_origin(url, settings.TWILIO_API_BASE_URL)
    response = requests.get(api_url, auth=auth, timeout=MEDIA_TIMEOUT, allow_redirects=False)
    if response.is_redirect:
        location = urljoin(api_url, response.headers["Location"])
        response = requests.get(location, timeout=MEDIA_TIMEOUT)
    return response


def _fail_media(media: InboundMedia, code: str) -> None:
    InboundMedia.objects.filter(pk=media.pk).update(failed=True, failure=code)


def fetch_inbound_media(*, message_id: int, final_attempt: bool) -> None:
    """Download an inbound MMS's files from Twilio. Raises MediaFetchError to try again later;
    on the last attempt, what could not be fetched is marked failed (with its code)."""
    message = Message.objects.filter(pk=message_id, direction=Message.Direction.INBOUND).first()
    if message is None:
        return
    for media in message.inbound_media.filter(attachment__isnull=True, failed=False):
        if not is_twilio_media_url(media.url):  # stored before this check existed
            _refused_media(media.url, message_id)
            _fail_media(media, InboundMedia.Failure.NOT_TWILIO)
            continue
        try:
            response = _download(media.url)
        except requests.RequestException as error:
            if final_attempt:
                _fail_media(media, InboundMedia.Failure.UNAVAILABLE)
                continue
            raise MediaFetchError(str(error)) from None
        if response.status_code >= 500 or response.status_code == 429:
            if final_attempt:
                _fail_media(media, InboundMedia.Failure.UNAVAILABLE)
                continue
            raise MediaFetchError(f"Twilio answered {response.status_code}")
        if response.status_code != 200 or len(response.content) > MEDIA_MAX_BYTES:
            logger.warning(
                "Media %s of message %s: HTTP %s", media.pk, message_id, response.status_code
            )
            too_large = response.status_code == 200
            _fail_media(
                media, InboundMedia.Failure.TOO_LARGE if too_large else InboundMedia.Failure.REFUSED
            )
            continue
        content_type = response.headers.get("Content-Type", media.content_type)
        _attach(media, response.content, content_type.split(";")[0].strip() or media.content_type)
    left = message.inbound_media.filter(attachment__isnull=True, failed=False).count()
    Message.objects.filter(pk=message_id).update(
        media_pending=left, status_changed_at=timezone.now()
    )
    live.thread_changed(organization_id=message.organization_id, thread_id=message.thread_id)


def _attach(media: InboundMedia, content: bytes, content_type: str) -> None:
    extension = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "application/pdf": "pdf",
        "video/mp4": "mp4",
        "text/vcard": "vcf",
    }.get(content_type, "bin")
    message = media.message
    name = f"mms-{message.pk}-{media.position + 1}.{extension}"
    with transaction.atomic():
        # A sweep and a retry may fetch the same file: the first to store it wins.
        locked = InboundMedia.objects.select_for_update().filter(pk=media.pk).first()
        if locked is None or locked.attachment_id is not None:
            return
        attachment = Attachment(
            organization_id=message.organization_id,
            message=message,
            filename=name,
            content_type=content_type,
            size=len(content),
            source=Attachment.Source.MMS,
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        InboundMedia.objects.filter(pk=media.pk).update(attachment=attachment)
        events.publish(events.AttachmentStored(attachment=attachment))  # filed to the case
