"""Small files with real headers, built by hand: what a phone, Office or a scanner would send."""

from __future__ import annotations

import io
import struct
import zipfile

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"PE\x00\x00"


def padded(head: bytes, size: int) -> bytes:
    return head + b"\x00" * max(size - len(head), 0)


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


def m4a() -> bytes:
    """An iPhone voice memo's start (ISO base media, brand M4A)."""
    return padded(_ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), 600)


def avif() -> bytes:
    return padded(_ftyp(b"avif", b"avif", b"mif1", b"miaf"), 600)


def heic() -> bytes:
    return padded(_ftyp(b"heic", b"mif1", b"heic"), 600)


def mov(size: int = 600) -> bytes:
    return padded(_ftyp(b"qt  ", b"qt  "), size)


def mp4(size: int = 600) -> bytes:
    return padded(_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), size)


def xls() -> bytes:
    """An Excel 97-2003 workbook: the OLE container, its first sector opening with BIFF8's BOF."""
    return OLE + b"\x00" * (512 - len(OLE)) + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 600


def doc() -> bytes:
    """A Word 97-2003 document: the OLE container, its first sector the FIB (0xA5EC)."""
    return OLE + b"\x00" * (512 - len(OLE)) + b"\xec\xa5\xc1\x00" + b"\x00" * 600


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, '<?xml version="1.0"?><x/>')
    return buffer.getvalue()


def docx() -> bytes:
    return _zip("[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml")


def xlsx() -> bytes:
    return _zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")


def plain_zip() -> bytes:
    return _zip("notes.txt", "invoice.txt")
