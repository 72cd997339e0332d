"""The evidence-grade export of a thread or a project: a ZIP a court can check on its own.

It holds `transcript.pdf` (every message with its times in UTC and the firm's zone, direction,
channel, staff sender, delivery history with reasons, CMS filing receipts, files with their
hashes, and the consent history), the original files under `files/`, `manifest.json` (the
hash-chained record, format in messaging/export_verify.py) and `verify_export.py` (that check,
standard library only). Internal notes are in it, marked internal; a message support redacted
says "redacted by support on …" where its text was, never a silent gap. Each export is audited.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hona.models import Organization, User
from hona.queueing import enqueue_on_commit
from messaging import events, export_verify, tasks
from messaging.models import ConsentEvent, ExportRecord, Message, Thread
from projects.models import Project

logger = logging.getLogger(__name__)

VERIFY_SOURCE = Path(export_verify.__file__).read_text(encoding="utf-8")


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def _messages(
    organization: Organization, *, thread: Thread | None, project: Project | None
) -> QuerySet[Message]:
    found = Message.objects.for_organization(organization)
    found = found.filter(thread=thread) if thread is not None else found.filter(project=project)
    return (
        found.select_related("sender", "thread__contact")
        .prefetch_related("attachments", "delivery_events", "filings")
        .order_by("created_at", "pk")
    )


def _entry(message: Message, files: list[dict[str, Any]]) -> dict[str, Any]:
    redacted = None
    if message.redacted_at is not None:
        day = timezone.localtime(message.redacted_at).strftime("%b %-d, %Y")
        redacted = {"at": _iso(message.redacted_at), "note": f"redacted by support on {day}"}
    return {
        "id": message.pk,
        "thread_id": message.thread_id,
        "contact": message.thread.contact.name,
        "created_at": _iso(message.created_at),
        "direction": message.direction,
        "internal": message.is_note,
        "kind": message.kind,
        "channel": message.channel,
        "sender": message.sender.name if message.sender else None,
        "body": message.body,
        "status": message.status,
        "error_code": message.error_code,
        "error_reason": message.error_reason,
        "provider_sid": message.provider_sid or None,
        "client_zone": message.client_zone or None,
        "quiet_hours": message.quiet_hours or None,
        "redacted": redacted,
        "status_events": [
            {
                "kind": event.kind,
                "at": _iso(event.created_at),
                "channel": event.channel,
                "status": event.status,
                "provider_sid": event.provider_sid or None,
                "error_code": event.error_code or None,
                "code": event.code or None,
                "reason": event.reason or None,
            }
            for event in sorted(message.delivery_events.all(), key=lambda e: (e.created_at, e.pk))
        ],
        "filings": [
            {
                "kind": filing.kind,
                "case_id": filing.case_id,
                "status": filing.status,
                "cms_id": filing.cms_id or None,
                "key": filing.key,
            }
            for filing in sorted(message.filings.all(), key=lambda f: f.pk)
        ],
        "files": files,
    }


def _files(message: Message, archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    listed = []
    for attachment in sorted(message.attachments.all(), key=lambda a: a.pk):
        item: dict[str, Any] = {
            "name": attachment.filename,
            "content_type": attachment.content_type,
        }
        try:
            with attachment.file.open("rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            # Removed with a redaction, or lost from storage: said so, never skipped.
            item["missing"] = "removed" if message.redacted_at else "not in storage"
            listed.append(item)
            continue
        path = f"files/{attachment.pk}-{Path(attachment.filename).name or 'file'}"
        archive.writestr(path, data)
        item.update({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        listed.append(item)
    return listed


def _consent(organization: Organization, contact_ids: set[int]) -> list[dict[str, Any]]:
    events = (
        ConsentEvent.objects.for_organization(organization)
        .filter(contact_id__in=contact_ids)
        .select_related("recorded_by", "contact")
        .order_by("created_at", "pk")
    )
    return [
        {
            "contact": event.contact.name,
            "kind": event.kind,
            "at": _iso(event.created_at),
            "source": event.source,
            "keyword": event.keyword or None,
            "note": event.note or None,
            "recorded_by": event.recorded_by.name if event.recorded_by else None,
        }
        for event in events
    ]


@transaction.atomic
def start_export(
    *, user: User, thread: Thread | None = None, project: Project | None = None
) -> ExportRecord:
    """Ask for the ZIP of one thread or one project: its audit row now, the ZIP from a task
    (`build_export`) once this commits. Whoever asked is told when it is ready."""
    organization = user.organization
    if organization is None:
        raise PermissionError("Only a firm's staff can export.")
    scope = thread or project
    if scope is None or scope.organization_id != organization.pk:
        raise PermissionError("That belongs to another firm.")
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    record = ExportRecord.objects.create(
        organization=organization,
        exported_by=user,
        thread=thread,
        project=project,
        status=ExportRecord.Status.BUILDING,
        filename=f"hona-export-{'thread' if thread else 'project'}-{scope.pk}-{stamp}.zip",
        created_at=now,
    )
    enqueue_on_commit(tasks.build_export, record.pk)
    return record


# An export still being prepared after this long lost its task (the broker was down when it was
# asked for, or its worker died): beat's sweeper queues it again.
STALE_AFTER = datetime.timedelta(minutes=5)


def build_locked_export(export_id: int) -> None:
    """The task's work: the export, locked for as long as it is built, if nobody builds it."""
    with transaction.atomic():
        record = (
            ExportRecord.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "exported_by", "thread__contact", "project")
            .filter(pk=export_id, status=ExportRecord.Status.BUILDING)
            .first()
        )
        if record is not None:
            build_export(record)


def requeue_stale_exports(now: datetime.datetime | None = None) -> int:
    """Queue again every export still being prepared long after it was asked for and not being
    built now (a build holds its row locked); how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    with transaction.atomic():
        stale = list(
            ExportRecord.objects.select_for_update(skip_locked=True)
            .filter(status=ExportRecord.Status.BUILDING, created_at__lt=cutoff)
            .values_list("pk", flat=True)[:100]
        )
    for pk in stale:
        enqueue_on_commit(tasks.build_export, pk)
    return len(stale)


def build_export(record: ExportRecord) -> None:
    """Write the export's ZIP into storage (through a temporary file: never whole in memory
    beyond 32 MB) and mark it ready, or failed with the reason; then tell whoever asked."""
    if record.status != ExportRecord.Status.BUILDING:
        return  # a task delivered twice: built already
    try:
        # A savepoint: a database error while reading leaves the transaction able to say so.
        with transaction.atomic(), _zip_of(record) as (spool, linked, head):
            record.file.save(record.filename, File(spool), save=False)
            record.size = record.file.size
            record.message_count = len(linked)
            record.chain_head = head
            record.status = ExportRecord.Status.READY
    except Exception as error:
        logger.exception("Export %s could not be built", record.pk)
        record.status = ExportRecord.Status.FAILED
        record.file.name, record.sha256, record.size = "", "", 0
        record.failure = f"It could not be prepared ({type(error).__name__}). Try again."[:300]
    record.finished_at = timezone.now()
    record.save(
        update_fields=[
            "file", "size", "message_count", "chain_head", "sha256", "status", "failure",
            "finished_at",
        ]
    )  # fmt: skip
    events.publish(events.ExportFinished(export=record))


@contextlib.contextmanager
def _zip_of(record: ExportRecord) -> Iterator[tuple[Any, list[dict[str, Any]], str]]:
    organization = record.organization
    thread, project, user, now = (
        record.thread,
        record.project,
        record.exported_by,
        record.created_at,
    )
    entries: list[dict[str, Any]] = []
    contact_ids: set[int] = set()
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for message in _messages(organization, thread=thread, project=project):
                contact_ids.add(message.thread.contact_id)
                entries.append(_entry(message, _files(message, archive)))
            linked = export_verify.chain(entries)
            head = linked[-1]["hash"] if linked else export_verify.GENESIS
            consent = _consent(organization, contact_ids)
            title = (
                f"{thread.contact.name} — conversation" if thread is not None else f"{project.name}"  # type: ignore[union-attr]
            )
            pdf = transcript_pdf(
                organization=organization,
                title=title,
                project=project or (thread.current_project if thread else None),
                entries=linked,
                consent=consent,
                head=head,
                exported_by=user,
                exported_at=now,
            )
            archive.writestr("transcript.pdf", pdf)
            manifest = {
                "format": export_verify.FORMAT,
                "exported_at": _iso(now),
                "exported_by": user.name,
                "firm": {
                    "name": organization.name,
                    "number": organization.sms_number,
                    "zone": organization.timezone,
                },
                "scope": {
                    "thread": thread.pk if thread else None,
                    "project": project.pk if project else None,
                    "title": title,
                },
                "messages": linked,
                "consent": consent,
                "chain_head": head,
                "transcript": {
                    "path": "transcript.pdf",
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                },
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            archive.writestr("verify_export.py", VERIFY_SOURCE)
        spool.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: spool.read(1024 * 1024), b""):
            digest.update(block)
        record.sha256 = digest.hexdigest()
        spool.seek(0)
        yield spool, linked, head


# The transcript -----------------------------------------------------------------------------------


def _para(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def transcript_pdf(
    *,
    organization: Organization,
    title: str,
    project: Project | None,
    entries: list[dict[str, Any]],
    consent: list[dict[str, Any]],
    head: str,
    exported_by: User,
    exported_at: datetime.datetime,
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    zone = ZoneInfo(organization.timezone)
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=13)
    note = ParagraphStyle("note", parent=body, backColor=colors.HexColor("#fffaeb"))
    story: list[Any] = [
        Paragraph(_para(f"{organization.name}: {title}"), styles["Title"]),
        Paragraph(
            _para(
                f"Firm number {organization.sms_number or '—'} · firm time zone "
                f"{organization.timezone} · project {project.name if project else '—'}"
            ),
            small,
        ),
        Paragraph(
            _para(
                f"Exported {exported_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC by "
                f"{exported_by.name}. {len(entries)} entries. Chain head (SHA-256): {head}. "
                "Check this export with: python3 verify_export.py <this zip>."
            ),
            small,
        ),
        Spacer(1, 0.2 * inch),
    ]
    for entry in entries:
        moment = datetime.datetime.fromisoformat(entry["created_at"])
        when = f"{moment:%Y-%m-%d %H:%M:%S} UTC · {moment.astimezone(zone):%Y-%m-%d %I:%M %p %Z}"
        if entry["internal"]:
            what = "INTERNAL NOTE — only the firm's staff saw this; never sent to the client"
        elif entry["direction"] == "in":
            what = f"From {entry['contact']} · {entry['channel'] or '—'}"
        else:
            what = f"To {entry['contact']} · {entry['channel'] or 'not sent yet'}"
            what += f" · sent by {entry['sender'] or 'Hona (automated)'}"
        story.append(Paragraph(_para(f"#{entry['seq']} · {when}"), small))
        story.append(Paragraph(_para(what), small))
        text = entry["body"]
        if entry["redacted"]:
            text = f"[{entry['redacted']['note']}]"
        story.append(Paragraph(_para(text or "(no text)"), note if entry["internal"] else body))
        details = [f"Status: {entry['status']}"]
        if entry["provider_sid"]:
            details.append(f"Twilio SID {entry['provider_sid']}")
        if entry["error_reason"]:
            details.append(f"Reason: {entry['error_reason']}")
        if entry["quiet_hours"]:
            details.append(f"Quiet hours: {entry['quiet_hours']} ({entry['client_zone']})")
        for event in entry["status_events"]:
            line = f"{event['at']} {event['kind']}"
            if event["status"]:
                line += f" {event['status']}"
            if event["reason"]:
                line += f": {event['reason']}"
            details.append(line)
        for filing in entry["filings"]:
            details.append(
                f"Filed ({filing['kind']}) to case {filing['case_id']}: {filing['status']}"
                + (f", CMS id {filing['cms_id']}" if filing["cms_id"] else "")
            )
        for item in entry["files"]:
            if "missing" in item:
                details.append(f"File {item['name']}: {item['missing']}")
            else:
                details.append(
                    f"File {item['name']} ({item['size']} bytes) SHA-256 {item['sha256']}"
                )
        details.append(f"Entry hash {entry['hash']}")
        story.append(Paragraph(_para("\n".join(details)), small))
        story.append(Spacer(1, 0.12 * inch))
    story.append(Paragraph("Consent history", styles["Heading2"]))
    if not consent:
        story.append(Paragraph("Nothing recorded.", small))
    for event in consent:
        line = f"{event['at']} · {event['contact']}: {event['kind']} ({event['source']})"
        if event["recorded_by"]:
            line += f" by {event['recorded_by']}"
        if event["note"]:
            line += f": {event['note']}"
        story.append(Paragraph(_para(line), small))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        title=f"{organization.name}: {title}",
        author="Hona Messaging",
        invariant=1,
    )
    document.build(story)
    return out.getvalue()
