"""Settings are read from the environment; bad values stop the app with a clear message."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hona.env import Env, file_storage
from tests.fakes.s3 import Bucket

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "vT3q9Lw_xR8mZk2Yb7Nc4Hf6Jd1Ps5Ga0Ue-QiOoWlXyEtCrMnBvKzIjSh",
    "CMS_ENCRYPTION_KEYS": "Jb3sWkq1n2Xo0y9mZ4aV7tR5uE8pL6cD2fG1hK0iN3M=",
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
    "CMS_ENCRYPTION_KEYS",
    "DJANGO_SECRET_KEY_FALLBACKS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests; a deploy check rightly flags it
    "TWO_FACTOR_REQUIRED_FOR_ADMINS",
    "SIGN_IN_FAILURE_LIMIT",
    "SIGN_IN_LOCKOUT_MINUTES",
    "STORAGE_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


def run_django(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Start a fresh interpreter with exactly these settings variables."""
    # Nor the test worker's own (a process under pytest-xdist moves REDIS_URL to its database).
    worker = {"PYTEST_XDIST_WORKER", "HONA_REDIS_OF_WORKER"}
    base = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS and k not in worker}
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
        "s.EMAIL_BACKEND, s.DEBUG, s.SESSION_COOKIE_SECURE)"
    )
    result = run_django(code, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "LocMemCache",
        "console",
        "hona.mail.ConsoleEmailBackend",
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


def env_example() -> dict[str, str]:
    """The variables .env.example ships with, as `docker compose` would read them."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_example_env_holds_no_usable_secret_key(tmp_path: Path) -> None:
    from hona.env import check_secret

    key = env_example()["DJANGO_SECRET_KEY"]
    if key:
        with pytest.raises(ImproperlyConfigured):
            check_secret("DJANGO_SECRET_KEY", key)


def test_the_deploy_check_fails_with_the_example_env(tmp_path: Path) -> None:
    code = "from django.core.management import call_command; call_command('check', deploy=True)"
    result = run_django(code, env_example(), tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # it says how to make one


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-a-long-random-string-of-at-least-fifty-characters",  # the old example
        "django-insecure-local-only-key-never-used-behind-a-public-url",
        "please-replace-this-with-your-own-production-secret-value-0123",
        "my-django-secret-key-for-the-production-deployment-of-hona-app",
        "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
        "x" * 64,
    ],
)
def test_a_placeholder_secret_key_is_refused_at_start_up(tmp_path: Path, key: str) -> None:
    result = run_django("", {**PRODUCTION, "DJANGO_SECRET_KEY": key}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY looks like a placeholder" in result.stderr


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    result = run_django(
        "", {**PRODUCTION, "DJANGO_SECRET_KEY": "Zk2Yb7Nc4Hf6Jd1Ps5Ga0Ue"}, tmp_path
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_a_public_deployment_without_cms_encryption_keys_refuses_to_start(
    tmp_path: Path,
) -> None:
    env = {**PRODUCTION}
    del env["CMS_ENCRYPTION_KEYS"]
    result = run_django("", env, tmp_path)
    assert result.returncode != 0
    assert "CMS_ENCRYPTION_KEYS must be set" in result.stderr


def test_a_cms_encryption_key_that_is_not_a_fernet_key_is_named(tmp_path: Path) -> None:
    keys = PRODUCTION["CMS_ENCRYPTION_KEYS"] + ",not-a-key"
    result = run_django("", {**PRODUCTION, "CMS_ENCRYPTION_KEYS": keys}, tmp_path)
    assert result.returncode != 0
    assert "CMS_ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr  # a key is never printed


def test_old_secret_keys_still_open_links_made_before_a_rotation(tmp_path: Path) -> None:
    new = "Qm8Rt2Vx5Zb9Nc3Hf7Jd1Ps4Ga6Ue0KiLoWyEtCrMnBvKzIjShXqTlPwDgFa"
    old = PRODUCTION["DJANGO_SECRET_KEY"]
    code = (
        "from django.core import signing; "
        f"print(signing.loads(signing.dumps('x', salt='s', key={old!r}), salt='s'))"
    )
    env = {
        **PRODUCTION,
        "DJANGO_SECRET_KEY": new,
        "DJANGO_SECRET_KEY_FALLBACKS": PRODUCTION["DJANGO_SECRET_KEY"],
    }
    result = run_django(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "x"


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


def test_the_deploy_check_asks_for_the_public_base_url_in_production(tmp_path: Path) -> None:
    env = {**PRODUCTION}
    del env["PUBLIC_BASE_URL"]
    code = "from django.core.management import call_command; call_command('check', deploy=True)"
    result = run_django(code, env, tmp_path)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL is not set" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr


# --- Where files live ----------------------------------------------------------------------------


def test_files_are_on_local_disk_unless_the_environment_names_a_bucket() -> None:
    assert file_storage(Env({})) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert file_storage(Env({"STORAGE_BACKEND": "local"}))["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"STORAGE_BACKEND": "minio"}, "STORAGE_BACKEND must be one of local, s3"),
        (
            {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "k"},
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither",
        ),
        (
            {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "x"},
            "AWS_S3_ENDPOINT_URL must be a URL starting with https://, http://",
        ),
    ],
)
def test_a_bucket_that_is_not_fully_named_is_refused_with_what_to_set(
    env: dict[str, str], words: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(words)):
        file_storage(Env(env))


def test_the_app_does_not_start_with_s3_on_and_no_bucket(tmp_path: Path) -> None:
    result = run_django("", {"STORAGE_BACKEND": "s3"}, tmp_path)
    assert result.returncode != 0
    assert "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_a_process_started_with_the_bucket_variables_keeps_files_there_privately(
    tmp_path: Path, bucket: Bucket
) -> None:
    code = (
        "from django.core.files.base import ContentFile; "
        "from django.core.files.storage import default_storage as d; "
        "print(d.save('attachments/1/2/note.txt', ContentFile(b'kept')))"
    )
    result = run_django(code, bucket.environment, tmp_path)
    assert result.returncode == 0, result.stderr
    assert bucket.keys() == [result.stdout.strip()] == ["attachments/1/2/note.txt"]
    assert bucket.read("attachments/1/2/note.txt") == b"kept"
    assert not (tmp_path / "media").exists()
