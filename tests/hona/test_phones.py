from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hona.phones import format_phone, parse_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(415) 555-0134",
        "415-555-0134",
        "415.555.0134",
        "+1 415 555 0134",
        "1 (415) 555 0134",
        "4155550134",
    ],
)
def test_common_us_formats_become_e164(typed: str) -> None:
    assert parse_phone(typed).e164 == "+14155550134"


def test_a_uk_landline_is_recognised_as_not_textable() -> None:
    parsed = parse_phone("+44 20 7183 8750")
    assert parsed.e164 == "+442071838750"
    assert not parsed.textable
    assert "landline" in parsed.reason


@pytest.mark.parametrize("typed", ["555-0100", "call me", "+1 415 555", "1" * 41, "+999 123"])
def test_malformed_numbers_get_a_clear_error(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_phone(typed)
    assert "phone number" in " ".join(error.value.messages)


def test_numbers_are_shown_in_national_format_at_home() -> None:
    assert format_phone("+14155550134") == "(415) 555-0134"
    assert format_phone("+442071838750") == "+44 20 7183 8750"
