"""Keep secrets in URLs (portal links, signed file links) out of the logs."""

from __future__ import annotations

import logging
import re

SIGNED_PATH = re.compile(r"/(p|media|files)/[^/\s\"']+/")


class RedactSignedLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SIGNED_PATH.search(message):
            record.msg = SIGNED_PATH.sub(r"/\1/[redacted]/", message)
            record.args = ()
        return True
