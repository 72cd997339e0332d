"""Text from people, made safe for one-line places: names, subjects, headers, search terms."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Control characters (CR, LF, NUL, tab …) and the Unicode line and paragraph separators.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _BREAKING for char in value)


def validate_one_line(value: str) -> None:
    """For names and every other one-line field: a line break there could split an email
    header (a contact named "Grace\\r\\nBcc: …") and a NUL cannot be stored at all."""
    if has_control_characters(value):
        raise ValidationError(
            "Use a single line of text, without line breaks or control characters.",
            code="control_characters",
        )


def one_line(value: str) -> str:
    """The text on one line: control characters and line breaks become spaces, and runs of
    whitespace one space. For subjects and headers built from stored names, and search terms."""
    return " ".join(
        "".join(" " if unicodedata.category(c) in _BREAKING else c for c in value).split()
    )
