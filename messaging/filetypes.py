"""What a file really is, from its first bytes, not its name or the browser's Content-Type.

The magic numbers are read by the `filetype` library (it tells a Word, Excel or PowerPoint file
from a plain ZIP, and the Office 97-2003 formats apart by their first sector). What we accept, the
words we use for each kind and the type we store are ours: the content type Twilio is given comes
from here, so it names what the bytes are. Text has no magic number: a .txt or .csv is accepted
when its start is UTF-8 without NUL bytes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import IO

import filetype

# filetype needs up to this many bytes (Office documents name their parts a few KB in).
HEAD_BYTES = 8192


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    extensions: tuple[str, ...]  # the first is the one we suggest when a name is wrong


PDF = Kind("application/pdf", "a PDF", ("pdf",))
JPEG = Kind("image/jpeg", "a JPEG image", ("jpg", "jpeg"))
PNG = Kind("image/png", "a PNG image", ("png",))
GIF = Kind("image/gif", "a GIF image", ("gif",))
WEBP = Kind("image/webp", "a WebP image", ("webp",))
HEIC = Kind("image/heic", "an iPhone photo (HEIC)", ("heic", "heif"))
AVIF = Kind("image/avif", "an AVIF image", ("avif",))
TIFF = Kind("image/tiff", "a TIFF image", ("tif", "tiff"))
MP4 = Kind("video/mp4", "an MP4 video", ("mp4", "m4v"))
MOV = Kind("video/quicktime", "a QuickTime video", ("mov",))
VIDEO_3GP = Kind("video/3gpp", "a 3GP video", ("3gp",))
M4A = Kind("audio/mp4", "an M4A audio recording", ("m4a",))
MP3 = Kind("audio/mpeg", "an MP3 audio file", ("mp3",))
DOC = Kind("application/msword", "a Word 97-2003 document", ("doc",))
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "a Word document",
    ("docx",),
)
XLS = Kind("application/vnd.ms-excel", "an Excel 97-2003 spreadsheet", ("xls",))
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "an Excel spreadsheet",
    ("xlsx",),
)
PPT = Kind("application/vnd.ms-powerpoint", "a PowerPoint 97-2003 presentation", ("ppt",))
PPTX = Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "a PowerPoint presentation",
    ("pptx",),
)
TEXT = Kind("text/plain", "a text file", ("txt",))
CSV = Kind("text/csv", "a CSV file", ("csv",))

# filetype's MIME type -> the kind we accept. Anything else it recognises is refused.
_BY_MIME: dict[str, Kind] = {
    "application/pdf": PDF,
    "image/jpeg": JPEG,
    "image/png": PNG,
    "image/apng": PNG,  # an animated PNG is a PNG to every viewer
    "image/gif": GIF,
    "image/webp": WEBP,
    "image/heic": HEIC,
    "image/avif": AVIF,
    "image/tiff": TIFF,
    "video/mp4": MP4,
    "video/x-m4v": MP4,
    "video/quicktime": MOV,
    "video/3gpp": VIDEO_3GP,
    "audio/mp4": M4A,
    "audio/mpeg": MP3,
    "application/msword": DOC,
    DOCX.content_type: DOCX,
    "application/vnd.ms-excel": XLS,
    XLSX.content_type: XLSX,
    "application/vnd.ms-powerpoint": PPT,
    PPTX.content_type: PPTX,
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office 97-2003 files share one container; filetype tells them apart by the first sector, which
# not every program writes first. A genuine container named .doc/.xls/.ppt is that kind.
_OLE_BY_EXTENSION = {"doc": DOC, "xls": XLS, "ppt": PPT}
_OOXML_EXTENSIONS = {"docx": DOCX, "xlsx": XLSX, "pptx": PPTX}
_TEXT_EXTENSIONS = ("txt", "csv")

ACCEPTED = (
    "a PDF, a photo, a video, a voice recording, a Word, Excel or PowerPoint document, "
    "or a text or CSV file"
)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _is_text(head: bytes, *, whole: bool) -> bool:
    if b"\x00" in head:
        return False
    # The head may end inside a multi-byte character: only a whole file must end cleanly.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    return True


def _identify(head: bytes, name: str, whole: bool | None) -> tuple[Kind | None, str]:
    """The accepted kind (or None) and the extension of what filetype saw ("" for nothing)."""
    if whole is None:
        whole = len(head) < HEAD_BYTES
    guessed = filetype.guess(head)
    seen = str(guessed.extension) if guessed is not None else ""
    kind = _BY_MIME.get(guessed.mime) if guessed is not None else None
    if kind is not None:
        return kind, seen
    extension = extension_of(name)
    if head.startswith(OLE_MAGIC):
        return _OLE_BY_EXTENSION.get(extension), seen
    # Some magic numbers are printable ("BM", "%!", "ID3"): a .txt or .csv that starts with one
    # is still text when the rest is; real files of those kinds have NUL bytes early on.
    if (not seen or extension in _TEXT_EXTENSIONS) and _is_text(head, whole=whole):
        return (CSV if extension == "csv" else TEXT), seen
    return None, seen


def sniff(head: bytes, name: str, *, whole: bool | None = None) -> Kind | None:
    """The kind of file `head` (its first HEAD_BYTES bytes) starts, or None when we refuse it.

    `whole` says whether `head` is the entire file (by default: when it is shorter than
    HEAD_BYTES). Text is the one kind decided partly by the name: see check_upload.
    """
    return _identify(head, name, whole)[0]


def check_upload(head: bytes, name: str, *, whole: bool | None = None) -> Kind:
    """The file's kind, or ValueError with a sentence the uploader can act on."""
    if not head:
        raise ValueError(f"{name} is empty. Choose the file again, or another file.")
    extension = extension_of(name)
    kind, seen = _identify(head, name, whole)
    if kind is None:
        if seen == "zip" and extension in _OOXML_EXTENSIONS:
            raise ValueError(
                f"{name} is named like {_OOXML_EXTENSIONS[extension].label} but is a plain ZIP "
                "archive. Open it and save it again, or send the files it holds one by one."
            )
        what = f" (its content is a .{seen} file)" if seen and seen != extension else ""
        raise ValueError(f"{name} is not a kind of file we accept{what}. Send {ACCEPTED}.")
    if kind in (TEXT, CSV) and extension not in _TEXT_EXTENSIONS:
        raise ValueError(
            f"{name} is a text file, but its name says .{extension or '(nothing)'}. "
            "Only .txt and .csv text files are accepted."
        )
    if extension not in kind.extensions:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        raise ValueError(
            f"{name} is {kind.label}, but its name says .{extension or '(nothing)'}. "
            f"Rename it to {stem}.{kind.extensions[0]} or choose the right file."
        )
    return kind


def read_head(file: IO[bytes]) -> bytes:
    """The first HEAD_BYTES bytes of an open file, left at its start for whoever reads next."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head
