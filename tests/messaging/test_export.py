"""The evidence-grade export (issue 14, point 1): a ZIP with a PDF transcript, the original files,
a hash-chained manifest and a checker that needs nothing but Python's standard library."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from hona.models import Organization, User
from messaging import actions
from messaging.export import requeue_stale_exports
from messaging.models import DeliveryEvent, ExportRecord, Thread
from notifications.models import Notification
from projects.actions import create_project
from tests.conftest import receive, write


@pytest.fixture
def history(thread: Thread, owner: User, colleague: User, support: User) -> Thread:
    """A thread with a text, a reply with a file and its delivery, a note and a redaction."""
    receive(thread, "Can you send me the lease?")
    reply = write(
        thread,
        owner,
        "Here it is.",
        status="delivered",
        provider_sid="SM" + "c" * 32,
        files=[actions.NewFile("lease.pdf", b"%PDF-1.4 the lease", "application/pdf", "upload")],
    )
    DeliveryEvent.objects.create(
        message=reply,
        kind="sms_status",
        channel="sms",
        status="delivered",
        provider_sid=reply.provider_sid,
    )
    actions.write_note(thread=thread, author=colleague, body="She signed on Tuesday.")
    secret = receive(thread, "My SSN is 123-45-6789")
    actions.redact_messages(messages=[secret])
    actions.record_consent(contact=thread.contact, user=owner, note="On the phone at intake")
    return thread


def download(client: Client, url: str, capture: Any) -> bytes:
    """Ask for an export as the menu's button does, open its page once the task has built it,
    and download the ZIP from there."""
    with capture(execute=True):  # the task runs once the request commits
        response = client.post(url)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Ready:" in page.text, page.text
    link = re.search(r'href="(/exports/\d+/download/)"', page.text)
    assert link, "a Download link"
    zipped = client.get(link.group(1))
    assert zipped["Content-Type"] == "application/zip"
    assert zipped["Content-Disposition"].startswith('attachment; filename="hona-export-')
    assert zipped["X-Content-Type-Options"] == "nosniff"
    return body_of(zipped)


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def exported(
    client: Client,
    owner: User,
    history: Thread,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> Path:
    client.force_login(owner)
    path = tmp_path / "export.zip"
    url = reverse("messaging:thread-export", args=[history.pk])
    path.write_bytes(download(client, url, django_capture_on_commit_callbacks))
    return path


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy the ZIP, passing each member through `change` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return dict(json.loads(archive.read("manifest.json")))


def edit_manifest(source: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return rewrite(source, target, change)


def test_the_export_holds_the_transcript_the_files_and_a_chained_manifest(
    exported: Path, history: Thread, owner: User
) -> None:
    with zipfile.ZipFile(exported) as archive:
        names = set(archive.namelist())
        pdf = archive.read("transcript.pdf")
        [file_name] = [name for name in names if name.startswith("files/")]
        lease = archive.read(file_name)
    assert {"transcript.pdf", "manifest.json", "verify_export.py"} <= names
    assert pdf.startswith(b"%PDF") and lease == b"%PDF-1.4 the lease"
    manifest = manifest_of(exported)
    assert manifest["format"] == "hona-export/1" and manifest["firm"]["name"] == "Demo Law"
    entries = manifest["messages"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert [e["direction"] for e in entries] == ["in", "out", "int", "in"]
    assert entries[1]["provider_sid"] == "SM" + "c" * 32
    assert entries[1]["status_events"][0]["status"] == "delivered"
    assert entries[1]["files"][0]["sha256"] == hashlib.sha256(b"%PDF-1.4 the lease").hexdigest()
    assert entries[2]["internal"] is True and entries[2]["body"] == "She signed on Tuesday."
    assert entries[3]["redacted"]["note"].startswith("redacted by support on ")
    assert "123-45-6789" not in json.dumps(manifest)  # a redaction is never undone by an export
    assert manifest["chain_head"] == entries[-1]["hash"] and entries[0]["prev"] == "0" * 64
    assert manifest["consent"][0]["note"] == "On the phone at intake"
    record = ExportRecord.objects.get()
    assert record.exported_by == owner and record.thread == history
    assert record.chain_head == manifest["chain_head"] and record.message_count == 4
    assert record.sha256 == hashlib.sha256(exported.read_bytes()).hexdigest()


def test_an_untouched_export_verifies_with_the_command_and_with_python_alone(
    exported: Path, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("verify_export", str(exported), stdout=out)
    assert "intact" in out.getvalue()
    with zipfile.ZipFile(exported) as archive:
        checker = tmp_path / "verify_export.py"
        checker.write_bytes(archive.read("verify_export.py"))
    # -I: isolated, no site-packages and no project on the path: the standard library only.
    done = subprocess.run(
        [sys.executable, "-I", str(checker), str(exported)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact" in done.stdout


def _alter_one_byte_of_the_file(source: Path, target: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data

    return rewrite(source, target, change)


def _alter_a_message(source: Path, target: Path) -> Path:
    return edit_manifest(
        source, target, lambda m: m["messages"][1].update(body="Here it is (changed).")
    )


def _remove_a_message(source: Path, target: Path) -> Path:
    return edit_manifest(source, target, lambda m: m["messages"].pop(2))


def _reorder_messages(source: Path, target: Path) -> Path:
    def swap(manifest: dict[str, Any]) -> None:
        entries = manifest["messages"]
        entries[0], entries[1] = entries[1], entries[0]

    return edit_manifest(source, target, swap)


def _cut_off_the_last(source: Path, target: Path) -> Path:
    def cut(manifest: dict[str, Any]) -> None:
        manifest["messages"].pop()

    return edit_manifest(source, target, cut)


def _alter_the_transcript(source: Path, target: Path) -> Path:
    return rewrite(source, target, lambda n, d: d + b"%" if n == "transcript.pdf" else d)


def _add_a_file(source: Path, target: Path) -> Path:
    rewrite(source, target, lambda n, d: d)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("files/999-planted.pdf", b"%PDF planted")
    return target


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (_alter_one_byte_of_the_file, "was altered (SHA-256 does not match)"),
        (_alter_a_message, "its content was altered"),
        (_remove_a_message, "does not follow the entry before it"),
        (_reorder_messages, "out of order"),
        (_cut_off_the_last, "the chain's head does not match"),
        (_alter_the_transcript, "the transcript transcript.pdf was altered"),
        (_add_a_file, "files/999-planted.pdf is not part of the export"),
    ],
)
def test_any_change_to_an_export_is_caught_and_named(
    exported: Path, tmp_path: Path, tamper: Callable[[Path, Path], Path], said: str
) -> None:
    altered = tamper(exported, tmp_path / "altered.zip")
    out = io.StringIO()
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_export", str(altered), stdout=out)
    assert said in out.getvalue()


def test_a_file_that_is_not_an_export_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_export", str(junk), stdout=out)
    assert "not a readable ZIP file" in out.getvalue()


def test_another_firms_thread_cannot_be_exported_and_nothing_is_audited(
    client: Client, outsider: User, history: Thread
) -> None:
    client.force_login(outsider)
    assert client.post(reverse("messaging:thread-export", args=[history.pk])).status_code == 404
    assert client.get(reverse("messaging:thread-export", args=[history.pk])).status_code == 405
    assert not ExportRecord.objects.exists()


def test_a_project_export_holds_every_clients_messages_filed_to_it(
    client: Client,
    owner: User,
    firm: Organization,
    make_contact: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    project = create_project(organization=firm, name="Doe v. Acme")
    threads = []
    for name in ("Jane Doe", "John Doe"):
        contact = make_contact(firm, name)
        actions.add_contact_to_project(contact=contact, project=project)
        threads.append(Thread.objects.get(contact=contact))
    receive(threads[0], "From Jane")
    receive(threads[1], "From John")
    client.force_login(owner)
    url = reverse("messaging:project-export", args=[project.pk])
    path = tmp_path / "project.zip"
    path.write_bytes(download(client, url, django_capture_on_commit_callbacks))
    bodies = [e["body"] for e in manifest_of(path)["messages"]]
    assert bodies == ["From Jane", "From John"]
    call_command("verify_export", str(path), stdout=io.StringIO())
    record = ExportRecord.objects.get()
    assert record.project == project
    # Its notice, in the notification center, links to the export's page (it has no thread).
    center = client.get(reverse("notifications:center")).text
    assert f'href="/exports/{record.pk}/"' in center
    assert "Your evidence export of the project Doe v. Acme is ready" in center


# Built by a task: the export's page, its notification, its owner ---------------------------------


def test_the_export_is_prepared_by_a_task_and_its_page_says_so_until_it_is_ready(
    client: Client,
    owner: User,
    history: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(owner)
    with django_capture_on_commit_callbacks() as waiting:  # the task not run yet
        response = client.post(reverse("messaging:thread-export", args=[history.pk]))
    record = ExportRecord.objects.get()
    assert record.status == "building" and not record.file
    assert response["Location"] == f"/exports/{record.pk}/"
    page = client.get(response["Location"]).text
    assert "Preparing the export" in page and 'hx-trigger="every 2s"' in page
    assert client.get(f"/exports/{record.pk}/download/").status_code == 404
    for callback in waiting:
        callback()
    record.refresh_from_db()
    assert record.status == "ready" and record.message_count == 4 and record.size > 0
    # The page's next ask (htmx) brings the Download link, and the requester is told.
    status = client.get(f"/exports/{record.pk}/", headers={"HX-Request": "true"}).text
    assert "<html" not in status and "Download ZIP" in status and record.sha256 in status
    [notice] = Notification.objects.filter(user=owner, kind="export")
    assert notice.title == "Your evidence export of Jane Doe's conversation is ready"
    assert notice.get_absolute_url() == f"/exports/{record.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None  # they were on its page when it became ready


def test_only_who_asked_can_open_or_download_an_export(
    client: Client,
    owner: User,
    colleague: User,
    outsider: User,
    history: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("messaging:thread-export", args=[history.pk]))
    record = ExportRecord.objects.get()
    for someone in (colleague, outsider):
        client.force_login(someone)
        assert client.get(f"/exports/{record.pk}/").status_code == 404
        assert client.get(f"/exports/{record.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{record.pk}/download/").status_code == 302  # to sign in


def test_an_export_that_cannot_be_stored_fails_with_the_reason_and_its_owner_is_told(
    client: Client,
    owner: User,
    history: Thread,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    settings.MEDIA_ROOT = str(blocked)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:thread-export", args=[history.pk]))
    record = ExportRecord.objects.get()
    assert record.status == "failed" and not record.file
    assert record.failure.startswith("It could not be prepared")
    page = client.get(response["Location"]).text
    assert record.failure in page and "Download ZIP" not in page
    notice = Notification.objects.get(user=owner, kind="export")
    assert notice.title == "Your evidence export of Jane Doe's conversation could not be prepared"


def test_an_export_whose_task_was_lost_is_prepared_by_the_sweeper_once(
    client: Client,
    owner: User,
    history: Thread,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(owner)
    with django_capture_on_commit_callbacks():  # the broker was down: the task never ran
        client.post(reverse("messaging:thread-export", args=[history.pk]))
    record = ExportRecord.objects.get()
    assert requeue_stale_exports() == 0  # just asked for: its task may still come
    later = record.created_at + datetime.timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_exports(now=later) == 1
    record.refresh_from_db()
    assert record.status == "ready"
    assert requeue_stale_exports(now=later) == 0
    assert Notification.objects.filter(user=owner, kind="export").count() == 1
