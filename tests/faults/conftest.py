"""The fault tests' stage: a Redis of their own (stopped and started mid-traffic), real Celery
workers on it, and the fakes of every outside service (Twilio, Clio, a mail server).

The web side is this test process: Django's test client posts to the real views and webhooks,
with the cache and the Celery broker pointed at the private Redis, exactly as a web process with
REDIS_URL set would be. The workers are separate processes on the same PostgreSQL test database.
Each test ends by counting, from the fakes' own records, what was received, sent and filed, and
what was lost or doubled; the counts are printed at the end of the run (`FAULT …` lines).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from twilio.request_validator import RequestValidator

from cms_sync import actions as cms
from hona import queueing, throttle
from hona.celery import app
from hona.models import Organization, User
from notifications.actions import save_own_settings
from projects.actions import assign_staff, create_project
from projects.models import Project
from tests.fakes.clio import FakeClio
from tests.fakes.smtp import MailSink, MailSinkServer
from tests.fakes.twilio import FakeTwilio
from tests.perf.workers import start_worker, stop_worker

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
REPORTS: list[str] = []

# Every fault test: a real worker on Redis and PostgreSQL. In CI (CI=true) they must run.
FAULT_MARKS = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (django_settings.REDIS_URL and ON_POSTGRES) and not os.environ.get("CI"),
        reason="needs REDIS_URL and DATABASE_URL on PostgreSQL (as in CI)",
    ),
]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORTS:
        terminalreporter.section("fault tests: received, sent, filed, lost, doubled")
        for line in REPORTS:
            terminalreporter.write_line(line)


def report(name: str, stage: Stage, **counts: int) -> str:
    line = f"FAULT {name}: " + " ".join(f"{key}={value}" for key, value in counts.items())
    REPORTS.append(line)
    if stage.restarts:
        REPORTS.append(f"  ({name}: a worker exited on its own and was started again)")
    print(line)
    return line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], seconds: float = 30, what: str = "the workers") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not get there in {seconds} s")


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, with nothing kept on disk:
    stopping it loses every queued task, as a real Redis restarted without persistence does."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: _answers(client), 10, "redis-server")

    def pause(self) -> None:
        """SIGSTOP: the port still takes connections, nothing answers (a hung Redis)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Shut it down (SIGTERM, no save) and wait until the port is closed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused one could not hear SIGTERM
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@dataclass
class Stage:
    """Everything a fault test drives: the firm's people and case, the fakes, the workers."""

    firm: Organization
    staff: User
    project: Project
    redis: PrivateRedis
    twilio: FakeTwilio
    clio: FakeClio
    mail: MailSink
    queue: str
    logs: Path
    worker_env: dict[str, str]
    client: Client
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ended: list[subprocess.Popen[bytes]] = field(default_factory=list)
    restarts: int = 0

    def start_worker(self) -> subprocess.Popen[bytes]:
        n = len(self.workers) + 1
        process = start_worker(
            self.queue, self.worker_env, self.logs / f"worker{n}.log", name=f"{self.queue}-{n}"
        )
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL, as the OOM killer or a lost machine does: nothing is cleaned up."""
        self.ended.append(process)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def supervise(self) -> None:
        """What the deployment's restart policy does (`restart: unless-stopped`): a worker that
        exited on its own is started again. Celery's worker can exit with "Unrecoverable error"
        when Redis goes away while it closes its connection (a kombu race); that is survivable
        only because something starts it again, so the tests do that too, and say so."""
        for process in list(self.workers):
            if process not in self.ended and process.poll() is not None:
                self.ended.append(process)
                self.restarts += 1
                self.start_worker()

    def wait(self, check: Callable[[], bool], seconds: float = 30, what: str = "") -> None:
        def supervised() -> bool:
            self.supervise()
            return check()

        try:
            wait_for(supervised, seconds, what or "the workers")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None

    def post_inbound(self, *, sid: str, from_: str, body: str, media: Sequence[str] = ()) -> int:
        """Twilio's inbound webhook, signed as Twilio signs it; returns the status code."""
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.twilio.account_sid,
            "From": from_,
            "To": self.firm.sms_number,
            "Body": body,
            "NumMedia": str(len(media)),
        }
        for i, url in enumerate(media):
            params[f"MediaUrl{i}"] = url
            params[f"MediaContentType{i}"] = "application/pdf"
        return self._signed("/webhooks/twilio/messages/", params)

    def report_delivered(self) -> None:
        """Twilio's status callback "delivered" for every text it took (as Twilio would)."""
        for text in list(self.twilio.messages):
            self._signed(
                "/webhooks/twilio/status/",
                {"MessageSid": text["sid"], "MessageStatus": "delivered", "AccountSid": "x"},
            )

    def _signed(self, path: str, params: dict[str, str]) -> int:
        validator = RequestValidator(self.twilio.auth_token)
        signature = validator.compute_signature(django_settings.PUBLIC_BASE_URL + path, params)
        response = Client().post(path, params, headers={"X-Twilio-Signature": signature})
        return int(response.status_code)

    def send_as_staff(self, thread_id: int, body: str) -> int:
        response = self.client.post(f"/conversations/{thread_id}/send/", {"body": body})
        return int(response.status_code)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
            for path in sorted(self.logs.glob("worker*.log"))
        )


def _point_celery_at(url: str) -> dict[str, Any]:
    """This process publishes to `url` from now on (Celery keeps its connection pools)."""
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
    }
    app.conf.broker_url = url  # type: ignore[misc]
    app.conf.task_always_eager = False
    _reset_pools()
    return previous


def _reset_pools() -> None:
    # What Celery does after a fork: the next publish opens connections to the new broker.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def stage(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_twilio: FakeTwilio,
    fake_clio: FakeClio,
    firm: Organization,
    colleague: User,
    owner: User,
) -> Iterator[Stage]:
    private = PrivateRedis(tmp_path)
    private.start()
    # Each test starts with the broker and the cache believed up (see hona.queueing).
    monkeypatch.setattr(queueing, "_broker_down_until", 0.0)
    monkeypatch.setattr(throttle, "_cache_down_until", 0.0)
    queue = f"faults-{uuid.uuid4().hex[:8]}-"  # the prefix of this test's own queues
    with MailSinkServer() as mail:
        settings.REDIS_URL = private.url
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": private.url,
                "KEY_PREFIX": "hona",
            }
        }
        settings.ALERT_COALESCE_SECONDS = 0
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", mail.port, 5
        settings.CELERY_QUEUE_PREFIX = queue
        previous = _point_celery_at(private.url)
        db = connection.settings_dict
        worker_env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": private.url,
            "CELERY_QUEUE_PREFIX": queue,
            "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SMS_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": fake_twilio.base_url,
            "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mail.port),
            "EMAIL_TIMEOUT": "5",
            "CLIO_BASE_URL": fake_clio.base_url,
            "CLIO_CLIENT_ID": settings.CLIO_CLIENT_ID,
            "CLIO_CLIENT_SECRET": settings.CLIO_CLIENT_SECRET,
            "CLIO_REQUESTS_PER_MINUTE": "6000",
            "ALERT_COALESCE_SECONDS": "0",
            "LOG_LEVEL": "INFO",
        }
        worker_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        cms.connect_clio(organization=firm, user=owner, code="good-code", redirect_uri="x")
        project = create_project(organization=firm, name="Doe v. Acme", cms_case_id="1001")
        assign_staff(project=project, users=[colleague])
        save_own_settings(user=colleague, form_data={"scope": "all"})
        client = Client()
        client.force_login(colleague)
        stage = Stage(
            firm=firm,
            staff=colleague,
            project=project,
            redis=private,
            twilio=fake_twilio,
            clio=fake_clio,
            mail=mail,
            queue=queue,
            logs=tmp_path,
            worker_env=worker_env,
            client=client,
        )
        try:
            yield stage
        finally:
            for process in stage.workers:
                stop_worker(process)
            for name, value in previous.items():
                setattr(app.conf, name, value)
            _reset_pools()
            private.stop()
