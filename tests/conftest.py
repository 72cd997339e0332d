from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import reverse

from hona import live
from hona.actions import create_organization, create_staff_user
from hona.models import Organization, User
from messaging import actions as messaging_actions
from messaging.models import Contact, Message, Thread
from messaging.sms import MemoryBackend

PASSWORD = "correct-horse-battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any, tmp_path: Any) -> None:
    """Production settings use the hashed manifest, which needs collectstatic; tests don't."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Slow hashing protects real passwords; in tests it only costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _admin_two_factor_off_for_force_login(settings: Any) -> None:
    """Most tests sign in with force_login, which skips the password and the code alike.

    Production always asks firm admins and support for a code before the admin site
    (TWO_FACTOR_REQUIRED_FOR_ADMINS); tests that prove it ask for `admin_two_factor`.
    """
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = False


@pytest.fixture
def admin_two_factor(settings: Any) -> None:
    """The production policy: firm admins and support need a second factor for the admin."""
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Any:
    """Tasks run in the test's own process, except in tests that start a real worker."""
    from hona.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _tasks_must_not_fail() -> Any:
    """Tasks run in-process and never raise (as in a worker); one that fails fails the test."""
    from celery.signals import task_failure

    failures: list[str] = []

    def record(sender: Any = None, exception: BaseException | None = None, **kw: Any) -> None:
        failures.append(f"{getattr(sender, 'name', sender)}: {exception!r}")

    task_failure.connect(record, weak=False)
    yield
    task_failure.disconnect(record)
    assert not failures, f"a task failed: {failures}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright's sync API runs an event loop; Django's ORM calls from the test are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Chromium writes its profile under these; keep it out of the home directory.
    scratch = tempfile.mkdtemp(prefix="hona-chromium-")
    os.environ.setdefault("XDG_CONFIG_HOME", scratch)
    os.environ.setdefault("XDG_CACHE_HOME", scratch)
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def make_org(db: None) -> Callable[..., Organization]:
    def make(name: str | None = None, **kwargs: Any) -> Organization:
        number = next(_numbers)
        kwargs.setdefault("sms_number", f"+1888555{number:04d}")
        organization = create_organization(name=name or f"Firm {number}", **kwargs)
        # The clock is real: a text sent at 6 AM in the client's zone would ask first. Tests of
        # quiet hours turn them on (tests/messaging/test_quiet_hours.py).
        organization.quiet_hours_on = False
        organization.save(update_fields=["quiet_hours_on"])
        return organization

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(organization: Organization, username: str | None = None, **kwargs: Any) -> User:
        username = username or f"user{next(_numbers)}"
        kwargs.setdefault("display_name", username.title())
        kwargs.setdefault("email", f"{username}@example.com")
        return create_staff_user(
            organization=organization, username=username, password=PASSWORD, **kwargs
        )

    return make


@pytest.fixture
def make_contact(db: None) -> Callable[..., Contact]:
    def make(organization: Organization, name: str | None = None, **kwargs: Any) -> Contact:
        number = next(_numbers)
        kwargs.setdefault("phone", f"+1415555{number % 10000:04d}")
        return messaging_actions.create_contact(
            organization=organization, name=name or f"Client {number}", **kwargs
        )

    return make


@pytest.fixture
def firm(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Demo Law")


@pytest.fixture
def other_firm(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Other Firm")


@pytest.fixture
def owner(firm: Organization, make_user: Callable[..., User]) -> User:
    """The firm admin: the one who owns the firm's data in these tests."""
    return make_user(firm, "owner", role=User.Role.FIRM_ADMIN)


@pytest.fixture
def colleague(firm: Organization, make_user: Callable[..., User]) -> User:
    return make_user(firm, "colleague")


@pytest.fixture
def outsider(other_firm: Organization, make_user: Callable[..., User]) -> User:
    return make_user(other_firm, "outsider", role=User.Role.FIRM_ADMIN)


@pytest.fixture
def support(db: None) -> User:
    return User.objects.create_superuser("support", "support@hona.example", PASSWORD)


@pytest.fixture
def contact(firm: Organization, make_contact: Callable[..., Contact]) -> Contact:
    return make_contact(firm, "Jane Doe", phone="(415) 555-0134", email="jane@example.com")


@pytest.fixture
def thread(contact: Contact) -> Thread:
    return contact.thread


def thread_url(thread: Thread, name: str = "thread-detail") -> str:
    """A thread's page, or one of its actions (`thread-send`, `thread-colleagues`, …)."""
    return reverse(f"messaging:{name}", args=[thread.pk])


@pytest.fixture
def memory_sms(settings: Any) -> Any:
    """Texts kept in memory (MemoryBackend.outbox) instead of sent."""
    settings.SMS_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


def write(
    thread: Thread, sender: User, body: str, *, status: str = "queued", **fields: Any
) -> Message:
    """A staff member's message recorded as it stands (no delivery), for reading tests."""
    return messaging_actions.record_message(
        thread=thread,
        direction=Message.Direction.OUTBOUND,
        body=body,
        channel=fields.pop("channel", Message.Channel.SMS),
        status=status,
        sender=sender,
        **fields,
    )


def contact_form(contact: Contact, **changes: str) -> dict[str, str]:
    """The contact edit form as staff would post it, with some fields changed."""
    return {
        "name": contact.name,
        "kind": contact.kind,
        "phone": contact.phone,
        "email": contact.email,
        "notification_preference": contact.notification_preference,
        **changes,
    }


def receive(thread: Thread, body: str = "Hello from the client") -> Message:
    return messaging_actions.record_message(
        thread=thread,
        direction=Message.Direction.INBOUND,
        body=body,
        channel=Message.Channel.SMS,
        status=Message.Status.RECEIVED,
    )


@pytest.fixture
def fake_clio(settings: Any) -> Any:
    """Our Clio client pointed at a fake Clio Manage on 127.0.0.1 (not connected yet)."""
    from tests.fakes.clio import FakeClioServer

    with FakeClioServer() as server:
        settings.CLIO_BASE_URL = server.base_url
        settings.CLIO_CLIENT_ID = "hona-client"
        settings.CLIO_CLIENT_SECRET = "hona-secret"
        settings.CLIO_REQUESTS_PER_MINUTE = 6000  # the rate tests set their own
        yield server


@pytest.fixture
def fake_twilio(settings: Any) -> Any:
    """The real twilio SDK pointed at a fake Twilio API on 127.0.0.1."""
    from tests.fakes.twilio import FakeTwilioServer

    with FakeTwilioServer() as twilio:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_API_BASE_URL = twilio.base_url
        settings.TWILIO_ACCOUNT_SID = twilio.account_sid
        settings.TWILIO_AUTH_TOKEN = twilio.auth_token
        yield twilio


@pytest.fixture(scope="session")
def moto_server() -> Any:
    """moto's S3 server on 127.0.0.1, one for the session (tests/fakes/s3.py)."""
    from tests.fakes.s3 import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def bucket(moto_server: Any, settings: Any) -> Any:
    """Files kept in a fresh bucket, configured from the variables a deployment sets
    (STORAGE_BACKEND=s3, AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, ...), through the real
    boto3 client over HTTP."""
    from hona.env import Env, file_storage

    new = moto_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": file_storage(Env(new.environment))}
    return new


@pytest.fixture
def heard(settings: Any) -> Iterator[dict[str, list[str]]]:
    """What the in-process channel carries, by channel (the embedded default: no REDIS_URL)."""
    settings.REDIS_URL = ""
    got: dict[str, list[str]] = {}
    tokens: list[int] = []

    def listen(channel: str) -> list[str]:
        names = got.setdefault(channel, [])
        tokens.append(live.hub().add([channel], names.append))
        return names

    got["listen"] = listen  # type: ignore[assignment]
    yield got
    for token in tokens:
        live.hub().remove(token)
