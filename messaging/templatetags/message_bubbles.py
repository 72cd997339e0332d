"""A thread's message bubbles and their filing receipts, rendered in Python.

`{% message_bubble message %}` draws one message as staff see it in a thread: its text and
files, who sent it and when, on which channel, its delivery status and any error, and its
filing receipt; `{% filing_receipt message %}` the receipt alone (what a Retry redraws). Up to
50 bubbles make a thread page, and the live update redraws them whenever one changes: written
as a template partial they cost 100 µs each (variable lookups, `{% url %}` and `{% with %}` per
bubble), a fifth of the page, and a tenth of that here (issue 13, point 5). Every value from the
database goes through `escape`, as the template's autoescaping did; the rest is constant markup.
tests/messaging/test_message_bubbles.py checks what each kind of bubble shows, and
tests/messaging/test_message_text_and_time.py that their text and time read as Django's
filters write them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.dateformat import DateFormat
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from hona.templatetags.icons import icon
from messaging.mentions import MENTION
from messaging.models import Message, Thread

register = template.Library()

# Django's urlize links only words holding one of these; text without any is only escaped.
_LINK_MARKS = (".", "@", ":")


def message_text(body: str) -> SafeString:
    """What `{{ body|urlize|linebreaksbr }}` writes, at a fraction of the cost: escaped, links
    made clickable (rel="nofollow"), and line breaks kept."""
    if any(mark in body for mark in _LINK_MARKS):
        html = urlize(body, nofollow=True, autoescape=True)
    else:
        html = escape(body)
    return linebreaksbr(mark_safe(html), autoescape=True)  # noqa: S308 - escaped just above


def note_text(body: str) -> SafeString:
    """A note's text: escaped, each @mention marked, line breaks kept (no links are made, so a
    mention inside one cannot break its markup)."""
    html = MENTION.sub(
        lambda found: f'<span class="mention">{found.group(0)}</span>', str(escape(body))
    )
    return linebreaksbr(mark_safe(html), autoescape=True)  # noqa: S308 - escaped just above


def message_time(value: datetime) -> SafeString:
    """What three `|date` filters wrote (each parses its format and looks its words up again):
    `<time>` with the moment in ISO 8601 (`|date:'c'`), the full date and time as its tooltip
    (`'N j, Y, P'`: "Dec. 2, 2026, 4:30 p.m.") and "Dec 2, 4:30 PM" shown, in the firm's time
    zone: one formatter for the three, each part asked of it directly."""
    when = DateFormat(localtime(value))
    title = f"{when.N()} {when.j()}, {when.Y()}, {when.P()}"
    shown = f"{when.M()} {when.j()}, {when.g()}:{when.i()} {when.A()}"
    return mark_safe(  # noqa: S308 - digits and the locale's month and day-part words
        f'<time datetime="{when.c()}" title="{escape(title)}">{escape(shown)}</time>'
    )


@functools.cache
def _link_around(name: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    head, tail = reverse(name, args=[0], urlconf=urlconf).rsplit("0", 1)
    return head, tail


def _link(name: str, pk: int) -> str:
    """A link to one object: reversed once (for this prefix and URL conf) around a stand-in id."""
    head, tail = _link_around(name, get_script_prefix(), get_urlconf())
    return f"{head}{pk}{tail}"


class _Page:
    """What the bubbles of one page share: the thread, the form token, the projects a message
    may be filed to instead, and whether each replaces one already shown (a live update)."""

    def __init__(self, context: template.Context) -> None:
        self.thread: Thread | None = context.get("thread")
        self.oob = bool(context.get("oob"))
        self.project_choices: Sequence[Any] = context.get("project_choices") or ()
        token = context.get("csrf_token")
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
            if token
            else ""
        )


def _files(message: Message) -> str:
    items = []
    for attachment in message.attachments.all():
        url = _link("messaging:attachment-download", attachment.pk)
        name = escape(attachment.filename)
        thumb = ""
        if attachment.is_image and attachment.size:
            thumb = (
                f'<a href="{url}" class="attachment-thumb"><img src="{url}?inline=1" '
                f'alt="{name}" loading="lazy" width="160" height="120"></a>'
            )
        items.append(
            f'<li class="attachment">{thumb}<a class="attachment-file" href="{url}" download>'
            f'{icon("paperclip", 16)}<span class="attachment-name">{name}</span>'
            f'<span class="muted small">{escape(filesizeformat(attachment.size))}</span></a></li>'
        )
    return f'<ul class="attachments">{"".join(items)}</ul>' if items else ""


def _sender(message: Message, thread: Thread | None) -> str:
    if message.is_notice:
        name = message.get_kind_display()
    elif message.direction == Message.Direction.OUTBOUND:
        name = message.sender.name if message.sender is not None else ""
        name = name or "Automated"
    else:
        name = thread.contact.name if thread is not None else ""
    return f'<span class="message-sender">{escape(name)}</span>'


def _error(message: Message) -> str:
    if not message.error_reason:
        return ""
    code = (
        f'<small class="message-error-code">Twilio error {escape(message.error_code)}</small>'
        if message.error_code
        else ""
    )
    reason = escape(message.error_reason)
    if message.status in (Message.Status.FAILED, Message.Status.UNDELIVERED):
        return (
            f'<p class="message-error" role="note">{icon("warning", 14)}'
            f"<span>{reason}{code}</span></p>"
        )
    return f'<p class="message-note muted small">{reason}{code}</p>'


def _receipt_entries(message: Message, filings: list[Any], page: _Page) -> str:
    parts = []
    project = message.project
    for entry in filings:
        if entry.kind != "message" and entry.status == "filed":
            continue  # a file filed with its message is said by the message's own receipt
        case = escape(entry.case_id)
        file_name = escape(entry.attachment.filename) if entry.kind == "file" else ""
        if entry.status == "filed":
            open_link = ""
            same_case = project is not None and project.cms_case_id == entry.case_id
            if same_case and project is not None and project.cms_case_url:
                open_link = (
                    f' · <a href="{escape(project.cms_case_url)}" target="_blank" '
                    'rel="noopener">open in your CMS</a>'
                )
            parts.append(
                f'<span class="filing-filed">{icon("success", 14)}Filed to case {case}'
                f"{open_link}</span>"
            )
        elif entry.status == "pending":
            named = f"{file_name} " if file_name else ""
            parts.append(f'<span class="filing-pending">Filing {named}to case {case}…</span>')
        else:
            named = f" ({file_name})" if file_name else ""
            retry = _link("cms_sync:entry-retry", entry.pk)
            parts.append(
                f'<span class="filing-failed">{icon("warning", 14)}Not filed{named}: '
                f"{escape(entry.last_error)}</span>"
                f'<form class="filing-retry" method="post" action="{retry}" hx-post="{retry}" '
                f'hx-target="#filing-{message.pk}" hx-swap="outerHTML">{page.csrf}'
                '<button class="btn btn-link btn-sm" type="submit">Retry</button></form>'
            )
    return "".join(parts)


def _receipt(message: Message, page: _Page) -> str:
    """Whether and where the message was filed to its case; nothing when the firm's
    integration is off (the thread's header says that once)."""
    filings = list(message.filings.all())  # cms_sync's entries, by the relation's name
    project = message.project
    said = ""
    if filings:
        said = _receipt_entries(message, filings, page)
    elif project is None:
        said = "<span>Not filed to a case: no project (kept in Hona).</span>"
    elif not project.cms_case_id:
        said = (
            f"<span>Not filed: {escape(project.name)} is not linked to a case in your CMS.</span>"
        )
    refile = ""
    files_here = page.thread is not None and getattr(page.thread, "cms_active", False)
    if files_here and len(page.project_choices) > 1:
        options = "".join(
            f'<option value="{p.pk}">{escape(p.name)}</option>'
            for p in page.project_choices
            if p.pk != message.project_id
        )
        action = _link("cms_sync:message-refile", message.pk)
        refile = (
            '<details class="refile"><summary class="btn btn-link btn-sm">File to another '
            f'project</summary><form method="post" action="{action}" class="refile-form">'
            f'{page.csrf}<label class="visually-hidden" for="refile-{message.pk}">Project for '
            f'this message</label><select class="input" id="refile-{message.pk}" '
            f'name="project">{options}</select><button class="btn btn-secondary btn-sm" '
            'type="submit">File here</button></form></details>'
        )
    return f'<p class="filing-receipt muted small" id="filing-{message.pk}">{said}{refile}</p>'


@register.simple_tag(takes_context=True)
def filing_receipt(context: template.Context, message: Message) -> SafeString:
    return mark_safe(_receipt(message, _Page(context)))  # noqa: S308 - escaped in _receipt


def _note_bubble(message: Message, page: _Page) -> str:
    """Staff's internal note: marked as such in words and colour, never a delivery status; its
    receipt only once it is filed (or being filed) to the case as a note."""
    oob = ' hx-swap-oob="true"' if page.oob else ""
    author = message.sender.name if message.sender is not None else ""
    receipt = _receipt(message, page) if list(message.filings.all()) else ""
    return (
        f'<li class="message message-int" id="message-{message.pk}"{oob}>'
        f'<div class="message-bubble note-bubble"><p class="note-label">{icon("lock", 14)}'
        "Internal note · only your team sees this</p>"
        f'<p class="message-body">{note_text(message.body)}</p></div>'
        f'<p class="message-meta"><span class="message-sender">{escape(author)}</span> · '
        f"{message_time(message.created_at)} · "
        '<span class="message-status status-internal">Not sent to the client</span></p>'
        f"{receipt}</li>"
    )


@register.simple_tag(takes_context=True)
def message_bubble(context: template.Context, message: Message) -> SafeString:
    page = _Page(context)
    if message.is_note:
        return mark_safe(_note_bubble(message, page))  # noqa: S308 - escaped in _note_bubble
    classes = f"message message-{escape(message.direction)}"
    if message.status == Message.Status.FAILED:
        classes += " is-failed"
    oob = ' hx-swap-oob="true"' if page.oob else ""
    body = f'<p class="message-body">{message_text(message.body)}</p>' if message.body else ""
    channel = (
        f' · <span class="message-channel">{escape(message.get_channel_display())}</span>'
        if message.channel
        else ""
    )
    status = ""
    if message.direction == Message.Direction.OUTBOUND:
        status = (
            f' · <span class="message-status status-{escape(message.status)}">'
            f"{escape(message.get_status_display())}</span>"
        )
    return mark_safe(  # noqa: S308 - each part escapes what it shows
        f'<li class="{classes}" id="message-{message.pk}"{oob}>'
        f'<div class="message-bubble">{body}{_files(message)}</div>'
        f'<p class="message-meta">{_sender(message, page.thread)} · '
        f"{message_time(message.created_at)}{channel}{status}</p>"
        f"{_error(message)}{_receipt(message, page)}</li>"
    )
