"""Line icons, `{% icon "chat" 16 %}`: decorative SVG, hidden from assistive technology.

A built-in tag (hona/settings.py TEMPLATES builtins). Each name and size is built once and kept:
the icons are on every page, and the include that drew them before evaluated a chain of thirty
conditions per icon, a millisecond or two of every page (issue 13, point 5).
"""

# ruff: noqa: E501 - the drawings are data, one line each
from __future__ import annotations

from functools import cache

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# 20 by 20 line drawings, stroked in the text colour.
PATHS = {
    "projects": '<path d="M2.75 6.25c0-.83.67-1.5 1.5-1.5h3.3c.4 0 .78.16 1.06.44l1.2 1.31h5.94c.83 0 1.5.67 1.5 1.5v6.75c0 .83-.67 1.5-1.5 1.5H4.25c-.83 0-1.5-.67-1.5-1.5z"/>',
    "chat": '<path d="M3.25 5.25c0-1.1.9-2 2-2h9.5c1.1 0 2 .9 2 2v6.5c0 1.1-.9 2-2 2H9.5l-3.75 3v-3h-.5c-1.1 0-2-.9-2-2z"/><path d="M6.75 7.5h6.5M6.75 10h4"/>',
    "templates": '<rect x="4" y="2.75" width="12" height="14.5" rx="2"/><path d="M7 6.75h6M7 9.75h6M7 12.75h3.5"/>',
    "settings": '<path d="M3.5 6h7.25M14.75 6h1.75M3.5 14h1.75M9.25 14h7.25"/><circle cx="12.75" cy="6" r="2"/><circle cx="7.25" cy="14" r="2"/>',
    "menu": '<path d="M3 5.5h14M3 10h14M3 14.5h14"/>',
    "close": '<path d="M5.5 5.5l9 9M14.5 5.5l-9 9"/>',
    "firm": '<path d="M4 17V4.5C4 3.67 4.67 3 5.5 3h6c.83 0 1.5.67 1.5 1.5V17M13 8h2.5c.83 0 1.5.67 1.5 1.5V17M2.5 17h15M7 6.5h3M7 9.5h3M7 12.5h3"/>',
    "chevron-down": '<path d="M6 8l4 4 4-4"/>',
    "key": '<circle cx="7" cy="13" r="3.25"/><path d="M9.4 10.6L16 4M13.25 6.75l2 2"/>',
    "shield": '<path d="M10 2.75l6 2.25v4.5c0 3.75-2.6 6.5-6 7.75-3.4-1.25-6-4-6-7.75V5z"/><path d="M7.5 10l1.75 1.75L12.75 8.25"/>',
    "sign-out": '<path d="M8 16.5H5.25c-.83 0-1.5-.67-1.5-1.5V5c0-.83.67-1.5 1.5-1.5H8M12.75 13.5L16.25 10l-3.5-3.5M16.25 10H8"/>',
    "bell": '<path d="M5 8.25a5 5 0 0 1 10 0c0 4 1.75 5.5 1.75 5.5H3.25S5 12.25 5 8.25zM8.5 16.5a1.6 1.6 0 0 0 3 0"/>',
    "plug": '<path d="M7.25 3v3.5M12.75 3v3.5M5 6.5h10V9a5 5 0 0 1-10 0zM10 14v3.25"/>',
    "user": '<circle cx="10" cy="7" r="3.25"/><path d="M3.75 16.75c.75-2.9 3.2-4.5 6.25-4.5s5.5 1.6 6.25 4.5"/>',
    "info": '<circle cx="10" cy="10" r="7.25"/><path d="M10 9v4.5M10 6.5v.01"/>',
    "success": '<circle cx="10" cy="10" r="7.25"/><path d="M6.75 10.25l2.25 2.25 4.25-4.5"/>',
    "warning": '<path d="M8.7 3.5L2.4 14.5c-.57 1 .15 2.25 1.3 2.25h12.6c1.15 0 1.87-1.25 1.3-2.25L11.3 3.5c-.58-1-2.02-1-2.6 0z"/><path d="M10 8v3.5M10 14v.01"/>',
    "error": '<circle cx="10" cy="10" r="7.25"/><path d="M10 6.25v4.5M10 13.5v.01"/>',
    "arrow-left": '<path d="M16 10H4M8.5 5.5L4 10l4.5 4.5"/>',
    "arrow-right": '<path d="M4 10h12M11.5 5.5L16 10l-4.5 4.5"/>',
    "mail": '<rect x="2.75" y="4.25" width="14.5" height="11.5" rx="2"/><path d="M3.5 5.5L10 10.5l6.5-5"/>',
    "plus": '<path d="M10 4.25v11.5M4.25 10h11.5"/>',
    "flag": '<path d="M4.75 17.25V3.25"/><path d="M4.75 3.75h9.3c.62 0 .97.7.6 1.2L12.6 7.75l2.05 2.8c.37.5.02 1.2-.6 1.2h-9.3"/>',
    "more": '<circle cx="4.5" cy="10" r="1.3" fill="currentColor" stroke="none"/><circle cx="10" cy="10" r="1.3" fill="currentColor" stroke="none"/><circle cx="15.5" cy="10" r="1.3" fill="currentColor" stroke="none"/>',
    "archive": '<rect x="2.75" y="3.5" width="14.5" height="4" rx="1.25"/><path d="M4.25 7.5v7.25c0 .83.67 1.5 1.5 1.5h8.5c.83 0 1.5-.67 1.5-1.5V7.5M8 10.75h4"/>',
    "paperclip": '<path d="M15.75 9.5l-5.8 5.8a3.6 3.6 0 0 1-5.1-5.1l6.1-6.1a2.4 2.4 0 0 1 3.4 3.4l-6.1 6.1a1.2 1.2 0 0 1-1.7-1.7l5.45-5.45"/>',
    "link": '<path d="M8.6 11.4a3.1 3.1 0 0 0 4.4 0l2.55-2.55a3.1 3.1 0 0 0-4.4-4.4l-.8.8"/><path d="M11.4 8.6a3.1 3.1 0 0 0-4.4 0l-2.55 2.55a3.1 3.1 0 0 0 4.4 4.4l.8-.8"/>',
    "send": '<path d="M17 3L8.6 11.4"/><path d="M17 3l-5.3 14-3.1-5.6L3 8.3z"/>',
    "chevron-left": '<path d="M12 5l-5 5 5 5"/>',
    "clock": '<circle cx="10" cy="10" r="7.25"/><path d="M10 6v4l2.5 2.5"/>',
    "lock": '<rect x="4.25" y="8.75" width="11.5" height="8" rx="1.75"/><path d="M6.75 8.75V6.5a3.25 3.25 0 0 1 6.5 0v2.25"/>',
    "search": '<circle cx="8.75" cy="8.75" r="5.25"/><path d="M12.6 12.6l4.15 4.15"/>',
}


@register.simple_tag
@cache
def icon(name: str, size: int | str = 20) -> SafeString:
    """An unknown name draws an empty icon, as a typo should not break a page."""
    return mark_safe(  # noqa: S308 - constant markup; name and size are only looked up or cast
        f'<svg class="icon icon-{name if name in PATHS else ""}" aria-hidden="true" '
        f'focusable="false" width="{int(size)}" height="{int(size)}" viewBox="0 0 20 20" '
        'fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" '
        f'stroke-linejoin="round">{PATHS.get(name, "")}</svg>\n'
    )  # the newline the include it replaces ended with: spacing beside text stays as it was
