"""Filing into Clio Manage: a message becomes a communication on the matter, a file a document,
and staff's internal note a note of the matter (never a communication: the client was not told).

A retry after a lost answer looks first for what the earlier attempt may have made (the
communication by its reference, the document by its name and time), so nothing is filed twice.
"""

from __future__ import annotations

import datetime
from typing import Any

import requests
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from cms_sync.clio import ClioClient
from cms_sync.errors import FilingError, FilingUnavailable
from cms_sync.models import OutboxEntry


def file_in_clio(client: ClioClient, entry: OutboxEntry) -> str:
    if entry.kind == OutboxEntry.Kind.FILE:
        return upload_document(client, entry)
    if entry.kind == OutboxEntry.Kind.NOTE:
        return create_note(client, entry)
    return create_communication(client, entry)


def user_id(client: ClioClient) -> int:
    """The Clio user Hona files as (who connected it), looked up once and cached."""
    key = f"clio-user:{client.integration.pk}"
    found = cache.get(key)
    if found is None:
        answer = client.request("GET", "/users/who_am_i.json", params={"fields": "id"})
        found = answer["data"]["id"]
        cache.set(key, found, timeout=86400)
    return int(found)


def matter_client_id(client: ClioClient, matter_id: str) -> int | None:
    """The matter's client contact in Clio (the other side of each communication)."""
    key = f"clio-matter-client:{client.integration.pk}:{matter_id}"
    found = cache.get(key)
    if found is None:
        answer = client.request(
            "GET", f"/matters/{matter_id}.json", params={"fields": "id,client{id}"}
        )
        found = (answer.get("data", {}).get("client") or {}).get("id") or 0
        cache.set(key, found, timeout=86400)
    return int(found) or None


def create_communication(client: ClioClient, entry: OutboxEntry) -> str:
    message = entry.message
    contact = message.thread.contact
    medium = {"sms": "SMS", "mms": "MMS", "portal": "Portal message", "email": "Email"}.get(
        message.channel, "Message"
    )
    direction = "from" if message.is_inbound else "to"
    reference = f"[Hona {entry.key}]"
    if entry.attempts > 1:
        found = client.request(
            "GET",
            "/communications.json",
            params={"matter_id": entry.case_id, "query": reference, "fields": "id"},
        )
        if found.get("data"):
            return str(found["data"][0]["id"])
    if message.sender is not None:
        sender = message.sender.name
    else:  # the client, or for an automated notice (a new portal link) the firm itself
        sender = contact.name if message.is_inbound else message.organization.name
    body = f"{message.body}\n\n— {sender}\n{reference}".strip()
    kind = "EmailCommunication" if message.channel == "email" else "PhoneCommunication"
    data: dict[str, Any] = {
        "type": kind,
        "subject": f"{medium} {direction} {contact.name}",
        "body": body,
        "date": message.created_at.date().isoformat(),
        "received_at": message.created_at.isoformat(),
        "matter": {"id": _int(entry.case_id)},
    }
    firm_side = [{"type": "User", "id": user_id(client)}]
    client_id = matter_client_id(client, entry.case_id)
    client_side = [{"type": "Contact", "id": client_id}] if client_id else []
    data["senders"], data["receivers"] = (
        (client_side, firm_side) if message.is_inbound else (firm_side, client_side)
    )
    payload = {"data": data}
    created = client.request("POST", "/communications.json", json=payload)
    return str(created["data"]["id"])


def create_note(client: ClioClient, entry: OutboxEntry) -> str:
    """An internal note as a Matter note (`POST /notes.json`, ../shared/reference/
    twilio-and-clio.md): found again by its reference when an earlier attempt's answer was lost."""
    message = entry.message
    reference = f"[Hona {entry.key}]"
    if entry.attempts > 1:
        found = client.request(
            "GET",
            "/notes.json",
            params={
                "type": "Matter",
                "matter_id": entry.case_id,
                "query": reference,
                "fields": "id",
            },
        )
        if found.get("data"):
            return str(found["data"][0]["id"])
    author = message.sender.name if message.sender is not None else "Staff"
    data = {
        "type": "Matter",
        "subject": f"Internal note on {message.thread.contact.name} ({author}, Hona)",
        "detail": f"{message.body}\n\n— {author}, internal note\n{reference}",
        "date": message.created_at.date().isoformat(),
        "matter": {"id": _int(entry.case_id)},
    }
    created = client.request("POST", "/notes.json", json={"data": data})
    return str(created["data"]["id"])


def _uploaded_before(client: ClioClient, entry: OutboxEntry, name: str) -> str:
    """The id of this file in the matter, uploaded in full since the entry was queued."""
    answer = client.request(
        "GET",
        "/documents.json",
        params={
            "matter_id": entry.case_id,
            "query": name,
            "fields": "id,name,created_at,latest_document_version{fully_uploaded}",
            "limit": 50,
        },
    )
    for document in answer.get("data", []):
        created = _parse_time(document.get("created_at"))
        complete = (document.get("latest_document_version") or {}).get("fully_uploaded")
        if (
            document.get("name") == name
            and complete
            and created is not None
            and created >= entry.created_at - datetime.timedelta(minutes=1)
        ):
            return str(document["id"])
    return ""


def upload_document(client: ClioClient, entry: OutboxEntry) -> str:
    attachment = entry.attachment
    assert attachment is not None
    if entry.attempts > 1:
        # An earlier attempt may have finished at Clio while its answer was lost.
        found = _uploaded_before(client, entry, attachment.filename)
        if found:
            return found
    created = client.request(
        "POST",
        "/documents.json",
        params={"fields": "id,latest_document_version{uuid,put_url,put_headers}"},
        json={
            "data": {
                "name": attachment.filename,
                "parent": {"id": _int(entry.case_id), "type": "Matter"},
            }
        },
    )
    document = created["data"]
    version = document["latest_document_version"]
    put_headers = {h["name"]: h["value"] for h in version.get("put_headers", [])}
    with attachment.file.open("rb") as handle:
        content = handle.read()
    try:
        upload = requests.put(version["put_url"], data=content, headers=put_headers, timeout=60)
    except requests.RequestException as error:
        raise FilingUnavailable(f"The upload to Clio failed ({type(error).__name__}).") from None
    if upload.status_code >= 300:
        raise FilingUnavailable(
            f"Clio's file storage answered {upload.status_code}.",
            code=FilingError.SERVER_ERROR,
        )
    client.request(
        "PATCH",
        f"/documents/{document['id']}.json",
        json={"data": {"uuid": version["uuid"], "fully_uploaded": True}},
    )
    return str(document["id"])


def _parse_time(value: Any) -> datetime.datetime | None:
    parsed = parse_datetime(str(value or ""))
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _int(value: str) -> int | str:
    return int(value) if value.isdigit() else value
