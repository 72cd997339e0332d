"""The migration that makes emails unique stops, with names, on a database that breaks the rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("hona", "0002_sms_rate")]
AFTER = [("hona", "0003_require_two_factor_and_unique_email")]


@pytest.fixture
def before_unique_emails() -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    yield executor
    # Back to the current schema for the tests that follow, whatever the test left behind.
    executor = MigrationExecutor(connection)
    old_apps = executor.loader.project_state(BEFORE).apps
    old_apps.get_model("hona", "User").objects.all().delete()
    old_apps.get_model("hona", "Organization").objects.all().delete()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def make_old_user(executor: MigrationExecutor, username: str, email: str) -> None:
    apps = executor.loader.project_state(BEFORE).apps
    Organization = apps.get_model("hona", "Organization")
    User = apps.get_model("hona", "User")
    firm, _ = Organization.objects.get_or_create(name=f"Firm of {username}")
    User.objects.create(username=username, email=email, organization=firm)


def test_shared_emails_stop_the_migration_naming_the_accounts(
    before_unique_emails: MigrationExecutor,
) -> None:
    make_old_user(before_unique_emails, "bob", "bob@demo-law.example")
    make_old_user(before_unique_emails, "impostor", "BOB@Demo-Law.example")
    make_old_user(before_unique_emails, "alice", "alice@demo-law.example")
    with pytest.raises(RuntimeError, match=r"bob@demo-law\.example: bob, impostor"):
        MigrationExecutor(connection).migrate(AFTER)


def test_distinct_and_empty_emails_migrate(before_unique_emails: MigrationExecutor) -> None:
    make_old_user(before_unique_emails, "bob", "bob@demo-law.example")
    make_old_user(before_unique_emails, "alice", "alice@demo-law.example")
    make_old_user(before_unique_emails, "blank1", "")
    make_old_user(before_unique_emails, "blank2", "")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    User = executor.loader.project_state(AFTER).apps.get_model("hona", "User")
    assert User.objects.count() == 4
