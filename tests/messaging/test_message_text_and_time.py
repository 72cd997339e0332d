"""A bubble's text and time (messaging/templatetags/message_bubbles.py) read exactly as Django's
own filters would write them: links, line breaks, escaping, and the firm's time zone."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from messaging.templatetags.message_bubbles import message_text, message_time

BODIES = [
    "Running late, be there in ten",
    "See https://example.com/case?id=4&x=<b> before noon.",
    "Write to me at jane.doe@example.com or call (650) 555-0100",
    "Line one\nline two\r\nline three\rend",
    "<script>alert('x')</script> & \"quotes\"",
    "http://localhost:8000/portal/ works",
    "Time: 4:30 — ok?",
    "",
    "émoji 😀 and www.example.org/path.",
]


@pytest.mark.parametrize("body", BODIES)
def test_a_message_reads_as_urlize_and_linebreaksbr_would_write_it(body: str) -> None:
    expected = Template("{{ body|urlize|linebreaksbr }}").render(Context({"body": body}))
    assert message_text(body) == expected


def test_a_link_is_clickable_and_markup_is_shown_as_text() -> None:
    html = message_text("Sign at https://example.com/sign\n<b>today</b>")
    assert '<a href="https://example.com/sign" rel="nofollow">https://example.com/sign</a>' in html
    assert "<br>&lt;b&gt;today&lt;/b&gt;" in html


MOMENTS = [
    datetime(2026, 12, 2, 21, 30, tzinfo=UTC),  # 4:30 p.m. in New York
    datetime(2026, 12, 2, 5, 0, tzinfo=UTC),  # midnight
    datetime(2026, 12, 2, 17, 0, tzinfo=UTC),  # noon
    datetime(2026, 3, 8, 7, 5, tzinfo=UTC),  # 3:05 a.m., the morning clocks go forward
    datetime(2026, 9, 30, 13, 0, tzinfo=UTC),  # 9 a.m., "Sept."
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_a_message_time_reads_as_the_date_filters_write_it_in_the_firms_zone(
    moment: datetime, zone: str
) -> None:
    template = Template(
        "<time datetime=\"{{ at|date:'c' }}\" title=\"{{ at|date:'DATETIME_FORMAT' }}\">"
        '{{ at|date:"M j, g:i A" }}</time>'
    )
    with timezone.override(zone):
        assert message_time(moment) == template.render(Context({"at": moment}))


def test_the_time_shows_the_firms_clock_and_the_full_date_on_hover() -> None:
    with timezone.override("America/New_York"):
        html = message_time(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    assert html == (
        '<time datetime="2026-12-02T12:00:00-05:00" title="Dec. 2, 2026, noon">'
        "Dec 2, 12:00 PM</time>"
    )
