"""@mentions in staff's internal notes: `@username`, or `@First` when one colleague has that
first name (messaging.actions.notes stores the note; the bubble marks each mention)."""

from __future__ import annotations

import re

from hona.models import User

# `@dana`, `@dana.reyes`, `@Dana`: not part of an email address (`x@firm.com`).
MENTION = re.compile(r"(?<![\w@.+-])@([\w][\w.+-]*)")


def mention_handles(body: str) -> list[str]:
    """The handles written after an @, as typed, without a trailing full stop or dash."""
    return [handle.rstrip(".-+") for handle in MENTION.findall(body)]


def colleagues_by_handle(organization_id: int) -> dict[str, User]:
    """The firm's active staff by the handles that mention them, in lower case: each username,
    and a first name that only one of them has."""
    people = list(User.objects.filter(organization_id=organization_id, is_active=True))
    by_handle: dict[str, User] = {}
    firsts: dict[str, list[User]] = {}
    for person in people:
        first = (person.first_name or person.name).split()
        if first:
            firsts.setdefault(first[0].lower(), []).append(person)
    for handle, named in firsts.items():
        if len(named) == 1:
            by_handle[handle] = named[0]
    for person in people:
        by_handle[person.username.lower()] = person  # a username always wins
    return by_handle


def mentioned_in(body: str, *, organization_id: int, author: User) -> tuple[User, ...]:
    handles = mention_handles(body)
    if not handles:
        return ()
    known = colleagues_by_handle(organization_id)
    found: dict[int, User] = {}
    for handle in handles:
        person = known.get(handle.lower())
        if person is not None and person.pk != author.pk:
            found.setdefault(person.pk, person)
    return tuple(found.values())


def handle_of(person: User, known: dict[str, User]) -> str:
    """The shortest handle that mentions this person (as colleagues_by_handle reads them)."""
    candidates = [person.username]
    first = (person.first_name or person.name).split()
    if first:
        candidates.insert(0, first[0])
    for handle in candidates:
        if MENTION.fullmatch(f"@{handle}") and known.get(handle.lower()) == person:
            return handle
    return ""


def colleagues_to_mention(organization_id: int, author: User) -> list[tuple[str, User]]:
    """The firm's active staff but the author, each with the handle to type, by name."""
    known = colleagues_by_handle(organization_id)
    people = {person.pk: person for person in known.values() if person.pk != author.pk}
    found = [(handle_of(person, known), person) for person in people.values()]
    return sorted(
        ((handle, person) for handle, person in found if handle),
        key=lambda pair: pair[1].name.lower(),
    )
