"""A fake Clio Manage server on 127.0.0.1: OAuth token and refresh, communications, the
three-step document upload, listing, reading and downloading documents, scripted 429/500
answers, and a switch that takes it down (503 to every API request). Downloads redirect to a
file store on another port (another host, as Clio's presigned storage links are), which records
what it was sent."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.loopback import LoopbackServer
from tests.fakes.recorder import Recorder, RecorderServer


@dataclass
class FakeClio:
    base_url: str = ""
    access_token: str = "access-1"
    refresh_token: str = "refresh-1"
    expires_in: int = 2_592_000
    revoked: bool = False
    communications: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[int, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    script: deque[str] = field(default_factory=deque)
    requests: list[tuple[str, str, float]] = field(default_factory=list)
    refreshes: int = 0
    answer_delay: float = 0.0  # seconds to hold each answer after recording the request
    down: bool = False  # every API request answers 503 (Clio is down), nothing is created
    lose_patch_answers: int = 0  # this many uploads are completed, but the answer never comes
    storage: Recorder = field(default_factory=Recorder)  # where downloads are redirected
    downloads: list[int] = field(default_factory=list)  # ids whose download was asked for

    def fail_next(self, *outcomes: str) -> None:
        self.script.extend(outcomes)

    def add_document(self, matter_id: int, name: str, content: bytes, content_type: str) -> int:
        """A document already in the matter, for "Attach file from integration"."""
        document_id = len(self.documents) + 1001
        self.documents[document_id] = {
            "id": document_id,
            "name": name,
            "parent": {"id": matter_id, "type": "Matter"},
            "matter": {"id": matter_id},
            "content": content,
            "content_type": content_type,
            "fully_uploaded": True,
        }
        return document_id


def _handler(state: FakeClio) -> type[BaseHTTPRequestHandler]:
    import time

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _api(self) -> bool:
            """Checks the bearer token and the scripted failures; False when answered already."""
            state.requests.append((self.command, urlsplit(self.path).path, time.time()))
            if state.down:
                self._json(503, {"error": {"message": "Service Unavailable"}})
                return False
            if state.revoked or self.headers.get("Authorization") != f"Bearer {state.access_token}":
                self._json(401, {"error": {"message": "Unauthorized"}})
                return False
            outcome = state.script.popleft() if state.script else ""
            if outcome == "429":
                self._json(429, {"error": {"message": "Rate limited"}}, {"Retry-After": "0"})
                return False
            if outcome == "500":
                self._json(500, {"error": {"message": "Oops"}})
                return False
            return True

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path == "/oauth/token":
                form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                good = (
                    form.get("grant_type") == "authorization_code"
                    and form.get("code") == "good-code"
                ) or (
                    form.get("grant_type") == "refresh_token"
                    and form.get("refresh_token") == state.refresh_token
                    and not state.revoked
                )
                if not good:
                    return self._json(401, {"error": "invalid_grant"})
                if form["grant_type"] == "refresh_token":
                    state.refreshes += 1
                    state.access_token = f"access-{state.refreshes + 1}"
                return self._json(
                    200,
                    {
                        "access_token": state.access_token,
                        "refresh_token": state.refresh_token,
                        "expires_in": state.expires_in,
                        "token_type": "bearer",
                    },
                )
            if not self._api():
                return None
            data = json.loads(self._body() or b"{}").get("data", {})
            if path == "/api/v4/communications.json":
                data["id"] = len(state.communications) + 1
                state.communications.append(data)
                if state.answer_delay:
                    time.sleep(state.answer_delay)  # created, but the answer is slow to come
                return self._json(201, {"data": {"id": data["id"]}})
            if path == "/api/v4/notes.json":
                if data.get("type") not in ("Matter", "Contact"):
                    return self._json(422, {"error": {"message": "type is invalid"}})
                data["id"] = len(state.notes) + 7001
                state.notes.append(data)
                return self._json(201, {"data": {"id": data["id"]}})
            if path == "/api/v4/documents.json":
                document_id = len(state.documents) + 1001
                version = uuid.uuid4().hex
                parent = data.get("parent") or {}
                state.documents[document_id] = {
                    **data,
                    "matter": {"id": parent["id"]} if parent.get("type") == "Matter" else None,
                    "id": document_id,
                    "uuid": version,
                    "fully_uploaded": False,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                }
                return self._json(
                    201,
                    {
                        "data": {
                            "id": document_id,
                            "latest_document_version": {
                                "uuid": version,
                                "put_url": f"{state.base_url}/upload/{version}",
                                "put_headers": [
                                    {"name": "x-amz-server-side-encryption", "value": "AES256"}
                                ],
                            },
                        }
                    },
                )
            return self._json(404, {"error": {"message": "Not found"}})

        def do_PUT(self) -> None:
            path = urlsplit(self.path).path
            if (
                path.startswith("/upload/")
                and self.headers.get("x-amz-server-side-encryption") == "AES256"
            ):
                state.uploads[path.rsplit("/", 1)[-1]] = self._body()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._json(403, {"error": "missing put_headers"})

        def do_PATCH(self) -> None:
            if not self._api():
                return None
            document_id = int(urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".json"))
            data = json.loads(self._body()).get("data", {})
            document = state.documents[document_id]
            if data.get("uuid") == document["uuid"] and data.get("fully_uploaded"):
                document["fully_uploaded"] = True
            if state.lose_patch_answers:
                state.lose_patch_answers -= 1
                self.close_connection = True  # done at Clio, but the caller never hears so
                return None
            return self._json(200, {"data": {"id": document_id}})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if not self._api():
                return None
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/api/v4/documents.json":
                matching = [
                    d
                    for d in sorted(state.documents.values(), key=lambda d: d["id"])
                    if (d.get("matter") or {}).get("id") == int(query.get("matter_id", "0"))
                    and query.get("query", "").lower() in d["name"].lower()
                ]
                start = int(query.get("page_token", "0"))
                limit = int(query.get("limit", "20"))
                page = matching[start : start + limit]
                paging = {}
                if start + limit < len(matching):
                    following = urlencode({**query, "page_token": start + limit})
                    paging["next"] = f"{state.base_url}/api/v4/documents.json?{following}"
                return self._json(
                    200,
                    {
                        "data": [
                            {
                                "id": d["id"],
                                "name": d["name"],
                                "size": len(d.get("content", b"")),
                                "updated_at": d.get("updated_at", "2026-11-20T10:00:00Z"),
                                "created_at": d.get("created_at", "2026-11-20T10:00:00Z"),
                                "latest_document_version": {
                                    "fully_uploaded": d.get("fully_uploaded", True)
                                },
                            }
                            for d in page
                        ],
                        "meta": {"paging": paging},
                    },
                )
            if parts.path.startswith("/api/v4/documents/") and parts.path.endswith("/download"):
                document = state.documents[int(parts.path.split("/")[4])]
                state.downloads.append(document["id"])
                link = state.storage.serve(
                    f"/storage/{document['id']}",
                    document.get("content", b""),
                    document.get("content_type", "application/pdf"),
                )
                self.send_response(302)
                self.send_header("Location", f"{link}?signature=presigned")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            one = re.fullmatch(r"/api/v4/documents/(\d+)\.json", parts.path)
            if one:
                record = state.documents.get(int(one.group(1)))
                if record is None:
                    return self._json(404, {"error": {"message": "Document not found"}})
                fields = ("id", "name", "matter", "parent", "content_type")
                return self._json(200, {"data": {k: record.get(k) for k in fields}})
            if parts.path == "/api/v4/users/who_am_i.json":
                return self._json(200, {"data": {"id": 501}})
            if parts.path.startswith("/api/v4/matters/"):
                matter = int(parts.path.rsplit("/", 1)[-1].removesuffix(".json"))
                return self._json(200, {"data": {"id": matter, "client": {"id": 9000 + matter}}})
            if parts.path == "/api/v4/notes.json":
                if "type" not in query:  # Clio: ParameterMissing
                    return self._json(400, {"error": {"message": "param is missing: type"}})
                found = [
                    {"id": n["id"]}
                    for n in state.notes
                    if str(n.get("matter", {}).get("id")) == query.get("matter_id")
                    and query.get("query", "") in n.get("detail", "")
                ]
                return self._json(200, {"data": found, "meta": {"paging": {}}})
            if parts.path == "/api/v4/communications.json":
                found = [
                    {"id": c["id"]}
                    for c in state.communications
                    if query.get("query", "") in c.get("body", "")
                ]
                return self._json(200, {"data": found, "meta": {"paging": {}}})
            return self._json(404, {"error": {"message": "Not found"}})

    return Handler


class FakeClioServer(LoopbackServer[FakeClio]):
    def __init__(self) -> None:
        state = FakeClio()
        super().__init__(state, _handler(state))
        state.base_url = self.url
        self.storage = RecorderServer()
        state.storage = self.storage.state

    def __enter__(self) -> FakeClio:
        self.storage.__enter__()
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.storage.__exit__(*exc)
