"""Files people attach to a message: one policy for staff and clients, enforced in the actions.

A message carries at most UPLOAD_MAX_FILES files, each within the per-file limit of who sends it
and all together within UPLOAD_MAX_TOTAL_BYTES. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE wait in
a temporary file on disk and are stored from there: nothing here reads a whole file into memory,
and the type is read from the first bytes only (filetypes.HEAD_BYTES).

UploadLimitHandler applies the same numbers while the request is still arriving, so a request
that can never be accepted stops being written to disk at once and the view says why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from messaging.filetypes import HEAD_BYTES, check_upload, read_head
from messaging.models import Attachment

# Room for the form's other fields and the multipart framing, beyond the files themselves.
_FORM_ALLOWANCE = 1024 * 1024
_REFUSAL = "_hona_upload_refusal"


@dataclass(frozen=True)
class NewFile:
    """A file to store with a message: an open file (an upload, streamed from disk when large)
    or bytes already in memory (a small generated file, an MMS download).

    `stored_as`: the file is in storage already (a scheduled message's), under that name; the
    message's attachment points at it instead of storing a copy."""

    name: str
    content: File[Any] | bytes
    content_type: str = ""  # staff and portal uploads get theirs from accept()
    source: str = Attachment.Source.UPLOAD
    stored_as: str = ""

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        return int(self.content.size or 0)

    def as_file(self) -> File[Any]:
        """What the storage saves: chunk by chunk (or moved, for a temporary upload file)."""
        if isinstance(self.content, bytes):
            return ContentFile(self.content)
        self.content.seek(0)
        return self.content

    def head(self) -> bytes:
        if isinstance(self.content, bytes):
            return self.content[:HEAD_BYTES]
        return read_head(self.content)


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_file_bytes: int
    max_total_bytes: int


def staff_limits() -> Limits:
    return Limits(
        settings.UPLOAD_MAX_FILES, settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_TOTAL_BYTES
    )


def portal_limits() -> Limits:
    return Limits(
        settings.UPLOAD_MAX_FILES, settings.PORTAL_UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_TOTAL_BYTES
    )


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def too_many_files(names: Sequence[str], limit: int) -> str:
    extra = list(names[limit:])
    return (
        f"One message can carry at most {limit} files and you chose {len(names)}. "
        f"Send {_names(extra)} in another message."
    )


def file_too_large(name: str, limit: int) -> str:
    return f"{name} is larger than {filesizeformat(limit)}, the limit for one file."


def too_much_in_total(names: Sequence[str], sizes: Sequence[int], limit: int) -> str:
    running, over = 0, []
    for name, size in zip(names, sizes, strict=True):
        running += size
        if running > limit:
            over.append(name)
    return (
        f"These files add up to {filesizeformat(sum(sizes))}; one message can carry at most "
        f"{filesizeformat(limit)}. Send {_names(over)} in another message."
    )


def check_limits(files: Sequence[NewFile], limits: Limits) -> None:
    """ValidationError naming the file and the limit when the files cannot go in one message."""
    names = [f.name for f in files]
    if len(files) > limits.max_files:
        raise ValidationError(too_many_files(names, limits.max_files))
    for new_file in files:
        if new_file.size > limits.max_file_bytes:
            raise ValidationError(file_too_large(new_file.name, limits.max_file_bytes))
    sizes = [f.size for f in files]
    if sum(sizes) > limits.max_total_bytes:
        raise ValidationError(too_much_in_total(names, sizes, limits.max_total_bytes))


def accept(files: Sequence[NewFile], limits: Limits) -> list[NewFile]:
    """The files within the limits, each typed by its content (never by the browser's header)."""
    check_limits(files, limits)
    accepted = []
    for new_file in files:
        if new_file.stored_as and new_file.content_type:
            accepted.append(new_file)  # typed by its content when it was stored
            continue
        try:
            kind = check_upload(new_file.head(), new_file.name, whole=new_file.size <= HEAD_BYTES)
        except ValueError as problem:
            raise ValidationError(str(problem)) from None
        accepted.append(dataclasses.replace(new_file, content_type=kind.content_type))
    return accepted


def refusal(request: HttpRequest) -> str:
    """Why UploadLimitHandler stopped reading this request's files ("" when it did not)."""
    request.FILES  # noqa: B018 - parsing the body is what runs the handler
    return str(getattr(request, _REFUSAL, ""))


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: once a request's files are past what any message may carry
    (too many, one too large, too much together), the rest are skipped unread into memory or
    onto disk, so a hostile or mistaken request costs no more than an accepted one. The fields
    (the CSRF token, the message) are still read, and the view answers with refusal(request)."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.names: list[str] = []
        self.total = 0
        self.reason = ""
        if content_length > settings.UPLOAD_MAX_TOTAL_BYTES + _FORM_ALLOWANCE:
            self.reason = (
                f"These files add up to more than {filesizeformat(settings.UPLOAD_MAX_TOTAL_BYTES)}"
                ", the most one message can carry. Send them in several messages."
            )

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.names.append(file_name)
        if self.reason or len(self.names) > settings.UPLOAD_MAX_FILES:
            raise SkipFile  # counted (so the answer can name it), never stored

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        largest = max(settings.UPLOAD_MAX_BYTES, settings.PORTAL_UPLOAD_MAX_BYTES)
        if start + len(raw_data) > largest:
            self.reason = file_too_large(str(self.file_name), largest)
            raise SkipFile
        if self.total > settings.UPLOAD_MAX_TOTAL_BYTES:
            self.reason = (
                f"These files add up to more than {filesizeformat(settings.UPLOAD_MAX_TOTAL_BYTES)}"
                f", the most one message can carry. Send {self.file_name} and the files after it "
                "in another message."
            )
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def upload_complete(self) -> None:
        if len(self.names) > settings.UPLOAD_MAX_FILES:
            self.reason = too_many_files(self.names, settings.UPLOAD_MAX_FILES)
        if self.reason:
            setattr(self.request, _REFUSAL, self.reason)
