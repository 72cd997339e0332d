"""A message bubble's text and time, as Django's filters write them, at a fraction of the cost.

A thread page shows up to 50 bubbles, and each is drawn again whenever the live update brings a
change to it. Written with `|urlize|linebreaksbr` and three `|date` filters, one bubble's text
and time cost 80 µs (each `|date` parses its format string and looks the words up again), a
sixth of the whole page (issue 13, point 5). tests/messaging/test_message_format.py holds both
to the filters' output.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.dateformat import DateFormat
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

register = template.Library()

# Django's urlize links only words holding one of these; text without any is only escaped.
_LINK_MARKS = (".", "@", ":")


@register.filter(is_safe=True)
def message_text(body: str) -> SafeString:
    """`{{ body|urlize|linebreaksbr }}`: escaped, links made clickable (rel="nofollow"), and
    line breaks kept."""
    if any(mark in body for mark in _LINK_MARKS):
        html = urlize(body, nofollow=True, autoescape=True)
    else:
        html = escape(body)
    return linebreaksbr(mark_safe(html), autoescape=True)  # noqa: S308 - escaped just above


@register.simple_tag
def message_time(value: datetime) -> SafeString:
    """`<time>` with the moment in ISO 8601 (`|date:'c'`), the full date and time as its tooltip
    (`'N j, Y, P'`: "Dec. 2, 2026, 4:30 p.m.") and "Dec 2, 4:30 PM" shown, in the firm's time
    zone: one formatter for the three, each part asked of it directly."""
    when = DateFormat(localtime(value))
    title = f"{when.N()} {when.j()}, {when.Y()}, {when.P()}"
    shown = f"{when.M()} {when.j()}, {when.g()}:{when.i()} {when.A()}"
    return mark_safe(  # noqa: S308 - digits and the locale's month and day-part words
        f'<time datetime="{when.c()}" title="{escape(title)}">{escape(shown)}</time>'
    )
