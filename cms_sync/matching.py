"""Which CMS case a browser tab shows: a Clio matter URL, or a case id given as is."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hona.text import one_line

# Clio Manage matter pages: https://app.clio.com/nc/#/matters/1001 (and /matters/1001/...);
# a contact's page (/contacts/...) is not a case.
MATTER = re.compile(r"/matters/(\d+)(?:[/?#]|$)")


def case_id_from(url: str, case: str = "") -> str:
    case = one_line(case)
    if case:
        return case[:64]
    if not url:
        return ""
    parts = urlsplit(url)
    for text in (parts.fragment, parts.path):
        match = MATTER.search(text if text.startswith("/") else "/" + text)
        if match:
            return match.group(1)
    return ""
