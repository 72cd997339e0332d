"""Clio's documents for "Attach file from integration": a page of a matter's documents, one
document's own record (its name and matter), and its download.

A next page is asked for with the link Clio gave us, kept on the server; a download's redirect to
Clio's file storage is followed without the token (the presigned link carries its own rights).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from cms_sync.clio import API, REFUSED_URL, ClioClient, clio_error
from cms_sync.errors import FilingError, FilingRejected, FilingUnavailable, for_status


def list_documents(
    client: ClioClient, matter_id: str, query: str = "", cursor_url: str = ""
) -> tuple[list[dict[str, Any]], str]:
    """One page of the matter's documents (name, size, date) and Clio's link to the next page.

    ``cursor_url`` is a next-page link Clio gave us earlier, kept on the server (never one from
    the browser); the client checks it is on Clio's origin before the token goes with it.
    """
    if cursor_url:
        if urlsplit(cursor_url).path != f"{API}/documents.json":
            raise FilingRejected(REFUSED_URL, code=FilingError.URL_REFUSED)
        answer = client.request("GET", cursor_url)
    else:
        params = {"matter_id": matter_id, "fields": "id,name,size,updated_at", "limit": 20}
        if query:
            params["query"] = query
        answer = client.request("GET", "/documents.json", params=params)
    next_url = str(answer.get("meta", {}).get("paging", {}).get("next") or "")
    return list(answer.get("data", [])), next_url


def document_details(client: ClioClient, document_id: str) -> dict[str, Any]:
    """Clio's own record of a document: its name and the matter it belongs to."""
    if not document_id.isdigit():
        raise FilingRejected("That is not a Clio document id.", code=FilingError.NOT_FOUND)
    answer = client.request(
        "GET", f"/documents/{document_id}.json", params={"fields": "id,name,matter{id}"}
    )
    data: dict[str, Any] = answer.get("data") or {}
    return data


def download_document(client: ClioClient, document_id: str) -> tuple[bytes, str]:
    """The document's bytes and type. Clio answers with a redirect to its file storage, which
    is followed without the token."""
    if not document_id.isdigit():
        raise FilingRejected("That is not a Clio document id.", code=FilingError.NOT_FOUND)
    response = client.send("GET", f"/documents/{document_id}/download", timeout=60)
    if response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        try:
            response = requests.get(location, timeout=60)
        except requests.RequestException as error:
            raise FilingUnavailable(
                f"Clio's file storage could not be reached ({type(error).__name__})."
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise FilingUnavailable(
                f"Clio's file storage answered {response.status_code}.",
                code=FilingError.SERVER_ERROR,
            )
    if response.status_code != 200:
        raise FilingRejected(clio_error(response), code=for_status(response.status_code))
    content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0]
    return response.content, content_type
