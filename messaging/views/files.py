"""Files: staff downloads, the signed links Twilio, clients and the CMS fetch."""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import (
    require_GET,
    require_safe,
)

from hona.http import AuthenticatedHttpRequest
from messaging import queries
from messaging.delivery import MMS_TYPES
from messaging.links import InvalidLink, read_cms_file_token, read_download_token, read_media_token
from messaging.models import Attachment, ScheduledFile


class Stored(Protocol):
    """A row with a stored file: an attachment, a scheduled message's file, an export."""

    @property
    def file(self) -> FieldFile: ...
    @property
    def filename(self) -> str: ...


class StoredFile(Stored, Protocol):
    """A file of a message: an attachment, or one of a message not sent yet."""

    @property
    def content_type(self) -> str: ...


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = queries.get_attachment_for_user(request.user, pk)
    return _file_response(attachment, inline=request.GET.get("inline") == "1")


@login_required
@require_GET
def scheduled_file_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A file of a scheduled message, for staff of its firm, before it is sent."""
    stored = get_object_or_404(ScheduledFile.objects.for_user(request.user), pk=pk)
    return _file_response(stored, inline=False)


@require_safe
def media(request: HttpRequest, token: str) -> FileResponse:
    """A file served to Twilio for MMS (GET and HEAD), from a signed link that expires.

    Twilio checks that the Content-Type matches the file, so the real type is sent — for the
    types MMS accepts only, and sandboxed, so nothing served here can run as a page.
    """
    try:
        attachment_id = read_media_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    content_type = attachment.content_type if attachment.content_type in MMS_TYPES else None
    response = stored_file_response(
        attachment, as_attachment=False, content_type=content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = f'inline; filename="{_short_name(attachment.filename)}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _short_name(filename: str) -> str:
    """Twilio shows a file name of at most 20 characters without spaces."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    safe = "".join(c for c in stem if c.isalnum() or c in "-_")[: 20 - len(extension) - 1]
    return f"{safe or 'file'}.{extension}" if extension else (safe or "file")[:20]


@require_GET
def download(request: HttpRequest, token: str) -> FileResponse:
    """A file linked from an email to the client (too large to attach): signed, 30 days, and
    ended with the client's portal links."""
    try:
        attachment = read_download_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    return _file_response(attachment, inline=False)


@require_GET
def cms_file(request: HttpRequest, token: str) -> FileResponse:
    """A file the firm's CMS webhook receiver fetches to file it: signed, 30 days."""
    try:
        attachment = read_cms_file_token(token)
    except InvalidLink as invalid:
        raise Http404(str(invalid)) from None
    return _file_response(attachment, inline=False)


def stored_file_response(
    attachment: Stored, *, as_attachment: bool, content_type: str
) -> FileResponse:
    """The file streamed from storage (local disk or the bucket) as it is read, never whole.

    Every download goes through a view like this one, never a link to the bucket, so access is
    checked and the headers below are set for every file wherever it is kept.
    """
    if not attachment.file:
        raise Http404("This file was removed.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file is no longer in storage.") from None
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=attachment.filename, content_type=content_type
    )
    response["Content-Length"] = str(handle.file.size)  # a bucket's stream cannot be measured
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _file_response(attachment: StoredFile, *, inline: bool) -> FileResponse:
    # Only images are shown inline; anything else downloads, so no file can run as a page.
    inline = inline and attachment.content_type in {"image/png", "image/jpeg", "image/gif"}
    response = stored_file_response(
        attachment,
        as_attachment=not inline,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    # A client's file: never kept by a browser or proxy cache once the session or link ends.
    response["Cache-Control"] = "no-store"
    return response
