"""Signed links to files, one kind per audience, never interchangeable.

Each kind has its own salt, its own payload and its own lifetime, so a link made for one purpose
opens nothing else:
- **MMS media**: Twilio fetches an outbound MMS's file (12 hours: Twilio may queue a text so long).
- **Client download**: an emailed link to a file too large to attach (30 days). It belongs to the
  contact and ends when their portal links are revoked or their phone or email changes.
- **CMS file**: the firm's webhook receiver fetches a file it is filing (30 days).
(Portal links are in `messaging.portal`, with a salt of their own.)
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from messaging.models import Attachment

MMS_SALT = "hona.link.mms-media"
DOWNLOAD_SALT = "hona.link.client-download"
CMS_FILE_SALT = "hona.link.cms-file"
MMS_MAX_AGE = 60 * 60 * 12
DOWNLOAD_MAX_AGE = 60 * 60 * 24 * 30
CMS_FILE_MAX_AGE = 60 * 60 * 24 * 30


class InvalidLink(Exception):
    """Tampered, of another kind, expired, or ended by a revocation."""


def _public(name: str, token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(name, kwargs={"token": token})


def _load(token: str, *, salt: str, max_age: int) -> dict[str, Any]:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        raise InvalidLink("This link is not valid or has expired.") from None
    if not isinstance(payload, dict):
        raise InvalidLink("This link is not valid.")
    return payload


def media_url(attachment: Attachment) -> str:
    token = signing.dumps({"mms": attachment.pk}, salt=MMS_SALT)
    return _public("messaging:media", token)


def read_media_token(token: str) -> int:
    """The attachment an MMS media link is for."""
    try:
        return int(_load(token, salt=MMS_SALT, max_age=MMS_MAX_AGE)["mms"])
    except (KeyError, TypeError, ValueError):
        raise InvalidLink("This link is not valid.") from None


def download_url(attachment: Attachment) -> str:
    """For the client, in an email: the file, for as long as their links are honoured."""
    payload = {
        "dl": attachment.pk,
        "c": attachment.message.thread.contact_id,
        "t": int(time.time()),
    }
    return _public("messaging:download", signing.dumps(payload, salt=DOWNLOAD_SALT))


def read_download_token(token: str) -> Attachment:
    """The file a client's download link opens, unless the link ended since it was made."""
    payload = _load(token, salt=DOWNLOAD_SALT, max_age=DOWNLOAD_MAX_AGE)
    try:
        attachment_id, contact_id = int(payload["dl"]), int(payload["c"])
        made_at = datetime.datetime.fromtimestamp(int(payload["t"]), tz=datetime.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        raise InvalidLink("This link is not valid.") from None
    attachment = (
        Attachment.objects.select_related("message__thread__contact")
        .filter(pk=attachment_id, message__thread__contact_id=contact_id)
        .first()
    )
    if attachment is None:
        raise InvalidLink("This link is not valid.")
    revoked_at = attachment.message.thread.contact.portal_revoked_at
    if revoked_at is not None and made_at <= revoked_at:
        raise InvalidLink("This link was replaced by a newer one.")
    return attachment


def cms_file_url(attachment: Attachment) -> str:
    """For the firm's CMS webhook receiver, which fetches the file it is filing."""
    payload = {"cms": attachment.pk, "o": attachment.organization_id}
    return _public("messaging:cms-file", signing.dumps(payload, salt=CMS_FILE_SALT))


def read_cms_file_token(token: str) -> Attachment:
    payload = _load(token, salt=CMS_FILE_SALT, max_age=CMS_FILE_MAX_AGE)
    try:
        attachment_id, organization_id = int(payload["cms"]), int(payload["o"])
    except (KeyError, TypeError, ValueError):
        raise InvalidLink("This link is not valid.") from None
    attachment = Attachment.objects.filter(
        pk=attachment_id, organization_id=organization_id
    ).first()
    if attachment is None:
        raise InvalidLink("This link is not valid.")
    return attachment
