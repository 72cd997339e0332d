"""Personal links to a contact's thread in the client portal.

A link is PUBLIC_BASE_URL + /p/<token>/, where the token is signed with the site's secret and
carries the contact, the firm and the moment it was made; it expires after
PORTAL_LINK_MAX_AGE_DAYS. No link shortener: carriers filter shortened links.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from messaging.models import Contact

SALT = "hona.portal-link"


class InvalidPortalLink(Exception):
    """Tampered, expired or otherwise unusable."""


@dataclass(frozen=True)
class PortalLink:
    contact_id: int
    organization_id: int
    made_at: datetime.datetime


def portal_token(contact: Contact) -> str:
    return signing.dumps({"c": contact.pk, "o": contact.organization_id}, salt=SALT, compress=True)


def portal_url(contact: Contact) -> str:
    path = reverse("messaging:portal-open", kwargs={"token": portal_token(contact)})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def read_portal_token(token: str) -> PortalLink:
    max_age = datetime.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
        # dumps() signs "value:timestamp"; the timestamp is base62 seconds since the epoch.
        made_at = datetime.datetime.fromtimestamp(
            signing.b62_decode(token.rsplit(":", 2)[1]), tz=datetime.UTC
        )
        link = PortalLink(int(payload["c"]), int(payload["o"]), made_at)
    except (signing.BadSignature, ValueError, TypeError, KeyError, IndexError):
        raise InvalidPortalLink("This link is not valid or has expired.") from None
    return link
