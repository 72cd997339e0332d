"""`make run PORT=8100`: links (client portal, phone simulator) point at the port served."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from hona.management.commands import runserver
from messaging.models import Contact
from messaging.portal import portal_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[str]:
    """runserver up to the point where it would open its socket."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000"]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    started: list[str] = []

    def listen(self: Any, *args: Any, **options: Any) -> None:
        started.append(f"{self.addr}:{self.port}")

    monkeypatch.setattr(runserver.Command, "inner_run", listen)
    return started


def test_in_development_links_follow_the_port_runserver_serves(
    served: list[str], settings: Any, contact: Contact
) -> None:
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL_SET = False

    call_command("runserver", "127.0.0.1:8100", use_reloader=False)

    assert served == ["127.0.0.1:8100"]
    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8100"
    assert settings.CSRF_TRUSTED_ORIGINS == ["http://127.0.0.1:8100"]
    assert portal_url(contact).startswith("http://127.0.0.1:8100/p/")


def test_a_server_on_every_address_makes_links_to_loopback(
    served: list[str], settings: Any
) -> None:
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL_SET = False

    call_command("runserver", "0.0.0.0:8200", use_reloader=False)

    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8200"


def test_a_public_base_url_that_is_set_is_kept(served: list[str], settings: Any) -> None:
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL_SET = True

    call_command("runserver", "127.0.0.1:8100", use_reloader=False)

    assert served == ["127.0.0.1:8100"]
    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8000"


def test_production_never_derives_the_public_base_url(served: list[str], settings: Any) -> None:
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL_SET = False

    call_command("runserver", "127.0.0.1:8100", use_reloader=False)

    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8000"


def test_runserver_still_leaves_static_files_to_whitenoise() -> None:
    parser = runserver.Command().create_parser("manage.py", "runserver")
    assert parser.get_default("use_static_handler") is False


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1")],  # noqa: S104
)
def test_make_passes_the_served_address_to_the_server_and_the_worker(
    host: str, expected: str
) -> None:
    for target in ("serve", "worker"):
        result = subprocess.run(
            ["make", "-n", target, "PORT=8100", f"HOST={host}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert f"http://{expected}:8100" in result.stdout
