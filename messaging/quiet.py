"""Quiet hours: the hours of the *client's* night when the firm would rather not text them.

The federal rule (47 CFR § 64.1200(c)(1)) keeps telephone solicitations between 8 a.m. and 9 p.m.
at the called party's location; a firm's texts to its own client are exempt, so quiet hours are a
firm setting and a prompt, never a hard block (../shared/reference/compliance-and-lookup.md).

The client's time zone is read from their number (`phonenumbers`' timezone data). A US area code
may span several zones: the text is quiet when it is quiet in any of them, the latest local time
is the one staff are told, and a text scheduled for the morning waits until it is morning in
all of them. A number with no zone of its own (toll-free, or one that spans the whole plan) falls
back to the firm's zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from hona.models import Organization

# More zones than this and the number is not tied to a place (toll-free: the whole plan).
MAX_ZONES = 4


@dataclass(frozen=True)
class QuietCheck:
    """Whether now is inside the firm's quiet hours for this client, and when they end."""

    inside: bool
    local: datetime.datetime  # the client's time now (the latest of their zones)
    zones: tuple[str, ...]
    ends_at: datetime.datetime  # when it is allowed in every zone again (aware, UTC)

    @property
    def zone(self) -> str:
        return str(self.local.tzinfo)

    @property
    def ends_local(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.local.tzinfo)


def zones_of(phone: str, firm: Organization) -> tuple[str, ...]:
    """The client's time zones, from their number; the firm's own when it does not say."""
    found: tuple[str, ...] = ()
    if phone:
        try:
            found = tuple(
                zone
                for zone in number_zones.time_zones_for_number(phonenumbers.parse(phone))
                if zone != "Etc/Unknown"
            )
        except phonenumbers.NumberParseException:
            found = ()
    if not found or len(found) > MAX_ZONES:
        return (firm.timezone,)
    return found


def _inside(moment: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    if start == end:
        return False  # no quiet hours at all
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight (21:00 to 08:00)


def _ends(local: datetime.datetime, start: datetime.time, end: datetime.time) -> datetime.datetime:
    """The next moment at or after `local` (aware) outside quiet hours, in its zone."""
    if not _inside(local.time(), start, end):
        return local
    day = local.date()
    if local.time() >= end and start > end:
        day += datetime.timedelta(days=1)  # evening: tomorrow morning
    return datetime.datetime.combine(day, end, tzinfo=local.tzinfo)


def quiet_check(phone: str, firm: Organization, now: datetime.datetime) -> QuietCheck:
    start, end = firm.quiet_hours_start, firm.quiet_hours_end
    zones = zones_of(phone, firm)
    locals_ = [now.astimezone(ZoneInfo(zone)) for zone in zones]
    latest = max(locals_, key=lambda moment: moment.replace(tzinfo=None))
    inside = firm.quiet_hours_on and any(_inside(m.time(), start, end) for m in locals_)
    ends = max(_ends(m, start, end) for m in locals_) if inside else now
    return QuietCheck(inside, latest, zones, ends.astimezone(datetime.UTC))
