"""Files in a private S3-compatible bucket (STORAGE_BACKEND=s3): attachments, uploads, documents.

settings.STORAGES["default"] is the one place that decides where files live; every file of a
message goes through Attachment.file and so through it. This backend is django-storages' S3
backend, private and streaming both ways:

- nothing in the bucket is public (no ACL; links, if one is ever made, are signed), and every
  object is stored as application/octet-stream to download, whatever the browser said, so even
  a link straight to the bucket could not show a file as a page. People and Twilio get files
  through our views, which check access and set the headers (messaging/views/files.py);
- an upload waiting in a temporary file is sent from that file, part by part, and a file is
  read back as it arrives from the bucket: neither is ever held whole in memory;
- a bucket that cannot be reached is an OSError, as a full or missing disk is for local files,
  so the callers that retry on one retry on the other too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

MB = 1024 * 1024
# Files that are not in a temporary file (generated files, MMS and CMS downloads) go up in parts
# of 8 MB, at most two at a time: a bound on what one upload holds in memory.
TRANSFER = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB, max_concurrency=2)
TRANSFER.max_in_memory_upload_chunks = 2  # s3transfer's own setting, not among boto3's arguments
DOWNLOAD_ONLY = {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"}


def _missing(error: ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = error.response.get("Error", {}).get("Code")
    return status == 404 or code in {"NoSuchKey", "404", "NotFound"}


@contextmanager
def _as_os_errors(name: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if _missing(error):
            raise FileNotFoundError(f"{name} is not in the bucket.") from error
        raise OSError(f"The bucket refused {name}: {error}") from error
    except BotoCoreError as error:
        raise OSError(f"The bucket could not be reached for {name}: {error}") from error


class StreamedObject(File):
    """An object read from the bucket as the bytes arrive: nothing is copied first."""

    def __init__(self, fetch: Callable[[], dict[str, Any]], name: str) -> None:
        self._fetch = fetch
        self._closed = True
        super().__init__(None, name)
        self._start()

    def _start(self) -> None:
        answer = self._fetch()
        self.file = answer["Body"]
        self.size = int(answer["ContentLength"])
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def seekable(self) -> bool:
        return False

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> StreamedObject:
        """Reading again means asking the bucket again: the body it sent cannot rewind."""
        self.close()
        self._start()
        return self

    def close(self) -> None:
        if not self._closed and self.file is not None:
            self._closed = True
            self.file.close()


class AttachmentStorage(S3Storage):
    def __init__(self, **options: Any) -> None:
        options.setdefault("transfer_config", TRANSFER)
        super().__init__(**options)

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        return {**super().get_object_parameters(name), **DOWNLOAD_ONLY}

    def _open(self, name: str, mode: str = "rb") -> File:
        if mode != "rb":
            with _as_os_errors(name):
                return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))

        def fetch() -> dict[str, Any]:
            with _as_os_errors(name):
                return self.bucket.Object(key).get()

        return StreamedObject(fetch, name)

    def _save(self, name: str, content: Any) -> str:
        temporary = getattr(content, "temporary_file_path", None)
        with _as_os_errors(name):
            if temporary is None:
                return super()._save(name, content)
            # A large upload is already on disk: each part is read from the file as it is sent.
            cleaned = clean_name(name)
            key = self._normalize_name(cleaned)
            self.bucket.Object(key).upload_file(
                temporary(),
                ExtraArgs=self._get_write_parameters(key, content),
                Config=self.transfer_config,
            )
            return cleaned

    def delete(self, name: str) -> None:
        with _as_os_errors(name):
            super().delete(name)

    def exists(self, name: str) -> bool:
        with _as_os_errors(name):
            return super().exists(name)

    def size(self, name: str) -> int:
        with _as_os_errors(name):
            return super().size(name)
