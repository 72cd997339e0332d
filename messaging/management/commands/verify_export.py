"""`manage.py verify_export export.zip`: check an evidence export (no database needed).

It runs the same check as the `verify_export.py` inside every export (messaging/export_verify.py,
standard library only) and exits non-zero when anything was altered, removed or added.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from messaging.export_verify import problems_in


class Command(BaseCommand):
    help = "Check a Hona evidence export ZIP; exits 1 when anything in it was altered."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The export's ZIP file")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        found = problems_in(path)
        if found:
            for problem in found:
                self.stdout.write(f"  - {problem}")
            raise CommandError(f"{path}: NOT intact, {len(found)} problem(s).")
        self.stdout.write(f"{path}: intact. Every message, file and the transcript match.")
