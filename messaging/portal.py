"""Personal links to a contact's thread in the client portal, and the portal session.

A link is PUBLIC_BASE_URL + /p/<token>/: the token is signed with the site's secret and carries
the contact, the firm and the moment it was made; it expires after PORTAL_LINK_MAX_AGE_DAYS and
stops working when staff revoke the contact's links. Opening it starts a portal session for that
contact only and moves to /portal/, so the token stays out of later URLs and logs. No link
shortener: carriers filter shortened links.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Contact

SALT = "hona.portal-link"
SESSION_KEY = "hona_portal"


class InvalidPortalLink(Exception):
    """Tampered, expired, revoked or otherwise unusable."""

    def __init__(self, message: str, contact_id: int | None = None) -> None:
        super().__init__(message)
        self.contact_id = contact_id  # known when the link is genuine but too old or revoked


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


def _made_at(token: str) -> datetime.datetime:
    # dumps() signs "value:timestamp"; the timestamp is base62 seconds since the epoch.
    return datetime.datetime.fromtimestamp(
        signing.b62_decode(token.rsplit(":", 2)[1]), tz=datetime.UTC
    )


def read_portal_token(token: str) -> PortalLink:
    max_age = datetime.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
        link = PortalLink(int(payload["c"]), int(payload["o"]), _made_at(token))
    except signing.SignatureExpired:
        genuine = signing.loads(token, salt=SALT)  # signed by us, only too old
        raise InvalidPortalLink("This link has expired.", int(genuine["c"])) from None
    except (signing.BadSignature, ValueError, TypeError, KeyError, IndexError):
        raise InvalidPortalLink("This link is not valid.") from None
    revoked_at = (
        Contact.objects.filter(pk=link.contact_id, organization_id=link.organization_id)
        .values_list("portal_revoked_at", flat=True)
        .first()
    )
    if revoked_at is not None and link.made_at <= revoked_at:
        raise InvalidPortalLink("This link was replaced by a newer one.", link.contact_id)
    return link


def start_portal_session(request: HttpRequest, link: PortalLink) -> None:
    """Only this contact, in a fresh session: nothing else (a staff sign-in too) carries over."""
    request.session.flush()
    request.session[SESSION_KEY] = {
        "c": link.contact_id,
        "o": link.organization_id,
        "t": link.made_at.timestamp(),
    }
    request.session.set_expiry(60 * 60 * 12)


def portal_contact(request: HttpRequest) -> Contact | None:
    """The contact this portal session belongs to, while its link is still honoured."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    contact = (
        Contact.objects.select_related("organization")
        .filter(pk=data.get("c"), organization_id=data.get("o"))
        .first()
    )
    if contact is None:
        return None
    made_at = datetime.datetime.fromtimestamp(float(data.get("t", 0)), tz=datetime.UTC)
    if contact.portal_revoked_at is not None and made_at <= contact.portal_revoked_at:
        return None
    if timezone.now() - made_at > datetime.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS):
        return None
    return contact
