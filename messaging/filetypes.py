"""What a file really is, from its first bytes, not its name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    extensions: frozenset[str]


PDF = Kind("application/pdf", "a PDF", frozenset({"pdf"}))
JPEG = Kind("image/jpeg", "a JPEG image", frozenset({"jpg", "jpeg"}))
PNG = Kind("image/png", "a PNG image", frozenset({"png"}))
GIF = Kind("image/gif", "a GIF image", frozenset({"gif"}))
WEBP = Kind("image/webp", "a WebP image", frozenset({"webp"}))
HEIC = Kind("image/heic", "an iPhone photo (HEIC)", frozenset({"heic", "heif"}))
MP4 = Kind("video/mp4", "a video", frozenset({"mp4", "m4v"}))
MOV = Kind("video/quicktime", "a video", frozenset({"mov"}))
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "a Word document",
    frozenset({"docx"}),
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "an Excel spreadsheet",
    frozenset({"xlsx"}),
)
DOC = Kind("application/msword", "a Word document", frozenset({"doc", "xls", "ppt"}))
TEXT = Kind("text/plain", "a text file", frozenset({"txt", "csv"}))

OFFICE_ZIP = {"docx": DOCX, "xlsx": XLSX}


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(head: bytes, name: str) -> Kind | None:
    """The kind of file `head` (its first bytes) starts, or None when we do not accept it."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"heim", b"heis", b"hevc"):
            return HEIC
        if brand == b"qt  ":
            return MOV
        return MP4
    if head.startswith(b"PK\x03\x04"):
        return OFFICE_ZIP.get(extension_of(name))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if b"\x00" not in head[:4096]:
        try:
            head[:4096].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TEXT
    return None


def check_upload(head: bytes, name: str) -> Kind:
    """The file's kind, or ValueError with a sentence the uploader can act on."""
    kind = sniff(head, name)
    if kind is None:
        raise ValueError(
            f"{name} is not a kind of file we accept. Send a PDF, a photo, a video, a Word or "
            "Excel document, or a text file."
        )
    extension = extension_of(name)
    if extension not in kind.extensions:
        raise ValueError(
            f"{name} is {kind.label}, but its name says .{extension or '(nothing)'}. "
            "Rename it or choose the right file."
        )
    return kind
