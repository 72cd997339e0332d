"""The Conversations list's rows, rendered in Python.

The list is the app's hottest HTML: every screen fetches it again whenever its firm's list changes
(hona.live). Rendered by the template engine, its 50 rows cost 0.5 ms each (variable lookups,
`{% url %}`, `{% querystring %}` and humanize per row), most of the page's time; built here
with f-strings they take a tenth of that, each value escaped as the template would (issue 13,
point 5). tests/messaging/test_conversation_list.py checks what each row shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import naturalday
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from hona.templatetags.icons import icon
from messaging.queries import ConversationRow

register = template.Library()

UNREAD_DOT = mark_safe(
    '<span class="dot-unread" title="Unread"></span><span class="visually-hidden">Unread: </span>'
)
OUTSIDE_SCOPE_DOT = mark_safe(
    '<span class="dot-unread dot-outside-scope" title="Unread, outside your notification scope '
    '(not counted in your badge)"></span><span class="visually-hidden">Unread, outside your '
    "notification scope: </span>"
)


@cache
def _flag() -> SafeString:
    return format_html(
        '<span class="flag-icon" title="Flagged for review">{}'
        '<span class="visually-hidden">Flagged</span></span>',
        icon("flag", 16),
    )


def _row(row: ConversationRow, *, active: bool, link: str, days: dict[date, str]) -> str:
    """One row's HTML: every value from the database goes through `escape` (html.escape, as
    Django's own escaping does), the rest is constant markup."""
    classes = "conversation-row"
    dot = ""
    if row.is_unread:
        classes += " is-unread" if row.is_in_scope else " is-unread is-outside-scope"
        dot = UNREAD_DOT if row.is_in_scope else OUTSIDE_SCOPE_DOT
    current = ""
    if active:
        classes += " is-active"
        current = ' aria-current="true"'
    when = localtime(row.last_message_at)
    day = when.date()
    if day not in days:  # "today", "yesterday" or "Mar 4": one per day the page shows
        days[day] = escape(str(naturalday(day, "M j")))
    project = ""
    if row.project_name:
        name = escape(row.project_name)
        project = f'<span class="conversation-project" title="{name}">{name}</span>'
    preview = escape(row.last_message_preview or "No messages yet")
    return (
        f'<li class="{classes}"><a class="conversation-link" id="conversation-link-{row.pk}" '
        f'href="{escape(link)}"{current}><span class="conversation-top">'
        f'<span class="conversation-name">{dot}<strong>{escape(row.contact_name)}</strong>'
        f'{project}</span><span class="conversation-meta">{_flag() if row.is_flagged else ""}'
        f'<time datetime="{when.isoformat()}">{days[day]}</time></span></span>'
        f'<span class="conversation-preview">{preview}</span></a></li>'
    )


@register.simple_tag(takes_context=True)
def conversation_rows(context: template.Context, rows: Iterable[ConversationRow]) -> SafeString:
    """Each row links to its thread keeping the list's search and filter (not its cursor)."""
    query = querystring(context, cursor=None, active=None)
    thread = context.get("thread")
    active_pks = {context.get("active_pk"), thread.pk if thread is not None else None} - {None}
    # Every row's link differs only by its id: reversed once, around a stand-in id.
    head, tail = reverse("messaging:thread-detail", args=[0]).rsplit("0", 1)
    days: dict[date, str] = {}
    return mark_safe(  # noqa: S308 - each row escapes what it shows (_row)
        "".join(
            _row(row, active=row.pk in active_pks, link=f"{head}{row.pk}{tail}{query}", days=days)
            for row in rows
        )
    )
