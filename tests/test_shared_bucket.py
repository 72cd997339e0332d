"""Scaled out: two web processes and a worker that share nothing but the bucket, PostgreSQL and
Redis, each with a media folder of its own. A file sent from one web process goes out by MMS
from the worker and is fetched by Twilio through the other web process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection
from django.test import Client

from hona.models import User
from messaging.models import Attachment, Thread
from tests.fakes.s3 import Bucket
from tests.fakes.twilio import FakeTwilio
from tests.messaging import samples
from tests.test_worker import ROOT, own_queues, pytestmark, start_worker, wait_for

__all__ = ["pytestmark"]  # the real worker's marks: PostgreSQL and Redis, as in CI


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.fixture
def hosts(
    fake_twilio: FakeTwilio, bucket: Bucket, tmp_path: Path, settings: Any
) -> Iterator[dict[str, Any]]:
    """Web A (where staff work), web B (the public address Twilio is given), and a worker."""
    db = connection.settings_dict
    ports = {"a": free_port(), "b": free_port()}
    queue = own_queues(settings)
    shared = {
        **bucket.environment,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE_PREFIX": queue,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['b']}",
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
    }
    media = {name: tmp_path / f"media-{name}" for name in ("a", "b", "worker")}
    processes = [
        start_worker(queue, tmp_path / "worker.log", **shared, MEDIA_ROOT=str(media["worker"]))
    ]
    for name, port in ports.items():
        env = {**os.environ, **shared, "MEDIA_ROOT": str(media[name]), "DJANGO_DEBUG": "true"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        serve = [sys.executable, "-m", "gunicorn", "hona.wsgi:application", "--workers", "1"]
        log = (tmp_path / f"web-{name}.log").open("ab")
        processes.append(
            subprocess.Popen(
                [*serve, "--bind", f"127.0.0.1:{port}", "--no-control-socket"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}

    def answering() -> bool:
        try:
            return all(requests.get(f"{u}/healthz/", timeout=2).ok for u in urls.values())
        except requests.RequestException:
            return False

    try:
        wait_for(answering, seconds=90)
        yield {"urls": urls, "media": media}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_mms_sent_from_one_web_host_is_fetched_by_twilio_through_the_other(
    hosts: dict[str, Any],
    fake_twilio: FakeTwilio,
    bucket: Bucket,
    thread: Thread,
    colleague: User,
    client: Client,
) -> None:
    client.force_login(colleague)  # a session in PostgreSQL, good on every web host
    staff = requests.Session()
    staff.cookies.set("sessionid", client.cookies["sessionid"].value)
    web_a, web_b = hosts["urls"]["a"], hosts["urls"]["b"]
    assert staff.get(f"{web_a}/conversations/{thread.pk}/", timeout=10).ok
    sent = staff.post(
        f"{web_a}/conversations/{thread.pk}/send/",
        data={"body": "The signed form"},
        files={"attachments": ("form.png", samples.PNG + b"\0" * 300, "image/png")},
        headers={"X-CSRFToken": str(staff.cookies["csrftoken"])},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code in {200, 302}, sent.text
    attachment = Attachment.objects.get(message__thread=thread)
    assert bucket.keys() == [attachment.file.name]

    wait_for(lambda: bool(fake_twilio.messages), seconds=60)
    [url] = fake_twilio.messages[0]["media_urls"]
    assert url.startswith(f"{web_b}/media/")  # Twilio is sent to the other host
    fetched = requests.get(url, timeout=10)  # as Twilio: no session, the signed link alone
    assert fetched.status_code == 200
    assert fetched.content == samples.PNG + b"\0" * 300
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    assert fetched.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert all(files_in(folder) == [] for folder in hosts["media"].values())
