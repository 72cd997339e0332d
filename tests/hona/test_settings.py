"""Settings are read from the environment; bad values stop the app with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hona.env import Env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-with-enough-entropy-4f9a2c7e1b",
    "PUBLIC_BASE_URL": "https://messages.demo-law.example",
    "DJANGO_ALLOWED_HOSTS": "messages.demo-law.example",
}
_SETTINGS_VARS = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "PUBLIC_BASE_URL",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SMS_BACKEND",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests; a deploy check rightly flags it
    "TWO_FACTOR_REQUIRED_FOR_ADMINS",
    "SIGN_IN_FAILURE_LIMIT",
    "SIGN_IN_LOCKOUT_MINUTES",
)


def run_django(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Start a fresh interpreter with exactly these settings variables."""
    base = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    base.update({"DJANGO_SETTINGS_MODULE": "hona.settings", "HONA_VAR_DIR": str(tmp_path)})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_boolean_that_is_not_true_or_false_is_refused_by_name(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be true or false"):
        Env({"DJANGO_DEBUG": value}).boolean("DJANGO_DEBUG", default=False)


@pytest.mark.parametrize(
    ("value", "expected"), [("TRUE", True), ("off", False), ("1", True), ("", False)]
)
def test_booleans_accept_the_usual_words(value: str, expected: bool) -> None:
    assert Env({"X": value}).boolean("X", default=False) is expected


def test_a_number_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        Env({"EMAIL_PORT": "twenty-five"}).integer("EMAIL_PORT", default=25)


def test_a_public_base_url_with_a_path_or_without_a_scheme_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="origin only"):
        Env({"U": "https://example.com/app"}).origin("U", default="http://127.0.0.1:8000")
    with pytest.raises(ImproperlyConfigured, match="http:// or https://"):
        Env({"U": "example.com"}).origin("U", default="http://127.0.0.1:8000")
    assert Env({"U": "https://example.com/"}).origin("U", default="") == "https://example.com"


def test_an_unknown_choice_lists_the_allowed_ones() -> None:
    with pytest.raises(ImproperlyConfigured, match="SMS_BACKEND must be one of console, twilio"):
        Env({"SMS_BACKEND": "carrier-pigeon"}).choice(
            "SMS_BACKEND", ["console", "twilio"], "console"
        )


def test_lists_are_split_on_commas() -> None:
    assert Env({"H": " a.example, b.example ,,"}).strings("H") == ["a.example", "b.example"]


def test_the_app_refuses_to_start_with_a_bad_debug_value(tmp_path: Path) -> None:
    result = run_django("", {"DJANGO_DEBUG": "sometimes"}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_a_public_deployment_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = {**PRODUCTION}
    del env["DJANGO_SECRET_KEY"]
    result = run_django("", env, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_twilio_backend_without_credentials_refuses_to_start(tmp_path: Path) -> None:
    result = run_django("", {"SMS_BACKEND": "twilio"}, tmp_path)
    assert result.returncode != 0
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in result.stderr


def test_a_database_url_for_an_unsupported_engine_is_refused(tmp_path: Path) -> None:
    result = run_django("", {"DATABASE_URL": "mysql://root@127.0.0.1/hona"}, tmp_path)
    assert result.returncode != 0
    assert "PostgreSQL or SQLite" in result.stderr


def test_defaults_are_sqlite_in_process_tasks_and_console_delivery(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.SMS_BACKEND, "
        "s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.DEBUG, s.SESSION_COOKIE_SECURE)"
    )
    result = run_django(code, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "LocMemCache",
        "console",
        "console",
        "False",
        "False",
    ]


def test_redis_url_makes_redis_the_broker_and_the_cache(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])"
    )
    result = run_django(code, {"REDIS_URL": "redis://127.0.0.1:6379/3"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    code = (
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = run_django(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout + result.stderr


def test_tls_settings_follow_the_public_base_url(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.CSRF_TRUSTED_ORIGINS[0])"
    )
    result = run_django(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "https://messages.demo-law.example",
    ]


def test_two_factor_for_admins_is_on_in_production_and_off_in_the_debug_demo(
    tmp_path: Path,
) -> None:
    code = "from django.conf import settings as s; print(s.TWO_FACTOR_REQUIRED_FOR_ADMINS)"
    assert run_django(code, PRODUCTION, tmp_path).stdout.split() == ["True"]
    assert run_django(code, {"DJANGO_DEBUG": "true"}, tmp_path).stdout.split() == ["False"]
    demo_on = {"DJANGO_DEBUG": "true", "TWO_FACTOR_REQUIRED_FOR_ADMINS": "true"}
    assert run_django(code, demo_on, tmp_path).stdout.split() == ["True"]


def test_production_refuses_to_turn_off_two_factor_for_admins(tmp_path: Path) -> None:
    result = run_django("", {**PRODUCTION, "TWO_FACTOR_REQUIRED_FOR_ADMINS": "false"}, tmp_path)
    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED_FOR_ADMINS can only be turned off with DJANGO_DEBUG=true" in (
        result.stderr
    )


def test_the_sign_in_lockout_reads_its_limits_from_the_environment(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
        "s.AXES_LOCKOUT_PARAMETERS)"
    )
    assert run_django(code, {}, tmp_path).stdout.strip() == "5 900 [['username', 'ip_address']]"
    env = {"SIGN_IN_FAILURE_LIMIT": "8", "SIGN_IN_LOCKOUT_MINUTES": "60"}
    assert run_django(code, env, tmp_path).stdout.split()[:2] == ["8", "3600"]
    bad = run_django("", {"SIGN_IN_FAILURE_LIMIT": "0"}, tmp_path)
    assert "SIGN_IN_FAILURE_LIMIT must be at least 1" in bad.stderr
