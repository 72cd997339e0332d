"""Check a Hona evidence export with Python's standard library alone.

    python3 verify_export.py export.zip

This file is copied into every export as `verify_export.py`, and `manage.py verify_export` runs
it, so a firm, its opponent or a court checks the same thing the same way, with no database and
nothing to install. It exits 0 when the export is whole, 1 (listing what is wrong) otherwise.

The format (`hona-export/1`), as `manifest.json` states it:
- `messages` is the thread's record in order, oldest first; each entry has `seq` (1, 2, 3…),
  its fields, `prev` (the previous entry's `hash`; 64 zeros for the first) and `hash`;
- an entry's `hash` is SHA-256, in hex, of `prev` + "\\n" + the entry without `prev` and `hash`
  as canonical JSON (keys sorted, separators "," and ":", UTF-8, no ASCII escaping);
- `chain_head` is the last entry's `hash` (64 zeros when there is none), also printed in the
  PDF transcript and kept in Hona's audit of exports;
- each file an entry lists (`files`) is in the ZIP at its `path`, with that `sha256` and `size`;
- `transcript` names the PDF with its `sha256`.
A removed, added, reordered or altered message breaks the chain; an altered file or transcript
no longer matches its hash.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from typing import Any

FORMAT = "hona-export/1"
GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev: str, entry: dict[str, Any]) -> str:
    fields = {key: value for key, value in entry.items() if key not in {"prev", "hash"}}
    return hashlib.sha256(prev.encode() + b"\n" + canonical(fields)).hexdigest()


def chain(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Link entries in order (sets `seq`, `prev` and `hash`): what the export writes."""
    prev = GENESIS
    linked = []
    for seq, entry in enumerate(entries, start=1):
        fields = {key: value for key, value in entry.items() if key not in {"prev", "hash"}}
        fields["seq"] = seq
        digest = entry_hash(prev, fields)
        linked.append({**fields, "prev": prev, "hash": digest})
        prev = digest
    return linked


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problems_in(path: str) -> list[str]:
    """Everything wrong with the export at `path`; empty when it is whole."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"not a readable ZIP file: {error}"]
    with archive:
        names = set(archive.namelist())
        if "manifest.json" not in names:
            return ["manifest.json is missing"]
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (ValueError, UnicodeDecodeError) as error:
            return [f"manifest.json is not valid JSON: {error}"]
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            return [f"manifest.json is not in the {FORMAT} format"]
        found: list[str] = []
        prev = GENESIS
        expected_files = {"manifest.json", "verify_export.py"}
        messages = manifest.get("messages")
        if not isinstance(messages, list):
            return ["manifest.json has no list of messages"]
        for position, entry in enumerate(messages, start=1):
            if not isinstance(entry, dict):
                found.append(f"entry {position} is not an object")
                continue
            label = f"message {entry.get('id', '?')} (entry {position})"
            if entry.get("seq") != position:
                found.append(f"{label}: out of order (seq {entry.get('seq')}, expected {position})")
            if entry.get("prev") != prev:
                found.append(f"{label}: does not follow the entry before it (removed or moved)")
            if entry_hash(str(entry.get("prev", "")), entry) != entry.get("hash"):
                found.append(f"{label}: its content was altered (hash does not match)")
            prev = str(entry.get("hash", ""))
            for item in entry.get("files") or []:
                name = item.get("path", "")
                expected_files.add(name)
                if name not in names:
                    found.append(f"{label}: file {name} is missing")
                    continue
                data = archive.read(name)
                if _sha256(data) != item.get("sha256") or len(data) != item.get("size"):
                    found.append(f"{label}: file {name} was altered (SHA-256 does not match)")
        if manifest.get("chain_head") != prev:
            found.append("the chain's head does not match the last entry (entries cut off)")
        transcript = manifest.get("transcript") or {}
        if transcript:
            name = transcript.get("path", "")
            expected_files.add(name)
            if name not in names:
                found.append(f"the transcript {name} is missing")
            elif _sha256(archive.read(name)) != transcript.get("sha256"):
                found.append(f"the transcript {name} was altered (SHA-256 does not match)")
        for extra in sorted(names - expected_files):
            found.append(f"{extra} is not part of the export (added afterwards)")
        return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python3 verify_export.py export.zip\n")
        return 2
    found = problems_in(argv[1])
    if found:
        sys.stdout.write(f"{argv[1]}: NOT intact, {len(found)} problem(s):\n")
        for problem in found:
            sys.stdout.write(f"  - {problem}\n")
        return 1
    sys.stdout.write(f"{argv[1]}: intact. Every message, file and the transcript match.\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
