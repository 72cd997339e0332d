"""A firm of realistic size for measuring speed: `seed_scale --threads N --messages M`.

Creates "Scale Law" with 20 staff (sign in as `scale` / `hona-demo`), N contacts with one thread
each, N / 2 projects, M messages spread over the last year (one staff message in about 50 an
internal note) and about 2% of threads unread per staff member. PostgreSQL gets the rows through
COPY (50,000 threads and 1,000,000 messages take a minute or two); SQLite through bulk inserts,
for small sizes. A firm that is already there is left as it is.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from hona.actions import create_organization
from hona.models import Organization, User
from messaging.management.scale_writers import BulkWriter, CopyWriter, Writer
from messaging.models import Contact, Message, Thread, UnreadThread
from projects.models import Project

SCALE_NUMBER = "+18885550999"


STAFF = 20


UNREAD_SHARE = 0.02


PROJECT_COLUMNS = [
    "organization_id",
    "name",
    "status",
    "cms_case_id",
    "cms_case_url",
    "created_at",
    "updated_at",
]


CONTACT_COLUMNS = [
    "organization_id",
    "kind",
    "name",
    "phone",
    "phone_textable",
    "phone_not_textable_reason",
    "email",
    "notification_preference",
    "sms_opted_out",
    "first_texted_at",  # texted before: the firm's consent rule treats them as known
    "created_at",
    "updated_at",
]


THREAD_COLUMNS = [
    "organization_id",
    "contact_id",
    "current_project_id",
    "is_flagged",
    "flagged_at",
    "is_archived",
    "archived_at",
    "is_spam",
    "spam_marked_at",
    "last_message_at",
    "last_message_preview",
    "last_inbound_at",
    "created_at",
]


MESSAGE_COLUMNS = [
    "organization_id",
    "thread_id",
    "direction",
    "body",
    "sender_id",
    "channel",
    "status",
    "provider_sid",
    "error_code",
    "error_reason",
    "project_id",
    "created_at",
    "status_changed_at",
    "sms_attempts",
    "media_pending",
    "fallback_code",
    "fallback_reason",
    "failure_code",
]


FIRST = [
    "Maria",
    "James",
    "Linda",
    "Omar",
    "Priya",
    "Chen",
    "Sofia",
    "Kenji",
    "Grace",
    "Luis",
    "Anna",
    "David",
    "Fatima",
    "Erik",
    "Nadia",
    "Samuel",
    "Irene",
    "Victor",
    "Zoe",
    "Ibrahim",
]


LAST = ["Alvarez", "Bell", "Chen", "Okafor", "Patel", "Brooks", "Dubois", "Nguyen", "Ramirez",
        "Sullivan", "Kowalski", "Haddad", "Moreno", "Fischer", "Ito", "Adeyemi", "Larsen", "Greene",
        "Walsh", "Santos", "Rahman", "Popescu", "Castillo", "Jensen", "Demir"]  # fmt: skip


LINES = [
    "Thanks, I will send the documents tonight.",
    "Your hearing is scheduled for next Tuesday at 9:30 AM.",
    "Can we move our call to Thursday?",
    "We received your payment. Thank you!",
    "Please bring a photo ID to our meeting.",
    "The court approved the extension.",
    "Is there anything else you need from me?",
    "Here is the picture you asked for.",
]


def phone_of(index: int) -> str:
    """A distinct E.164 number per contact."""
    area, exchange, line = 201 + index // 1_000_000, 200 + (index // 10_000) % 800, index % 10_000
    return f"+1{area:03d}{exchange:03d}{line:04d}"


class Command(BaseCommand):
    help = "Bulk-create a large firm (Scale Law, user `scale`) for speed measurements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=50_000)
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, threads: int, messages: int, seed: int, **options: Any) -> None:
        if threads < 1 or messages < 0:
            raise CommandError("--threads must be at least 1 and --messages at least 0.")
        existing = Organization.objects.filter(sms_number=SCALE_NUMBER).first()
        if existing is not None:
            count = Thread.objects.for_organization(existing).count()
            self.stdout.write(f"Scale Law is already there ({count:,} threads); nothing to do.")
            return
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            organization = create_organization(name="Scale Law", sms_number=SCALE_NUMBER)
            users = self.create_staff(organization)
            writer = CopyWriter() if connection.vendor == "postgresql" else BulkWriter()
            self.seed(writer, organization, users, threads, messages, rng)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale Law: {threads:,} threads and {messages:,} messages in {elapsed:.1f} s. "
                "Sign in as scale / hona-demo."
            )
        )

    def create_staff(self, organization: Organization) -> list[User]:
        password = make_password("hona-demo")  # hashed once, shared by the seeded staff
        users = [
            User(
                organization=organization,
                username="scale" if index == 0 else f"scale-staff-{index:02d}",
                display_name="Sam Scale" if index == 0 else f"Staff Member {index:02d}",
                role=User.Role.FIRM_ADMIN if index == 0 else User.Role.STAFF,
                is_staff=index == 0,
                password=password,
            )
            for index in range(STAFF)
        ]
        return User.objects.bulk_create(users)

    def seed(
        self,
        writer: Writer,
        organization: Organization,
        users: Sequence[User],
        threads: int,
        messages: int,
        rng: random.Random,
    ) -> None:
        now = timezone.now()
        org_id = organization.pk
        project_count = max(threads // 2, 1)
        project_ids = writer.write(
            Project,
            PROJECT_COLUMNS,
            (
                (org_id, f"{rng.choice(LAST)} matter {i:06d}", "open", "", "", now, now)
                for i in range(project_count)
            ),
            project_count,
        )
        contact_ids = writer.write(
            Contact,
            CONTACT_COLUMNS,
            (
                (
                    org_id,
                    "client" if i % 10 else "lead",
                    f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i:06d}",
                    phone_of(i),
                    True,
                    "",
                    f"client{i:06d}@example.com",
                    "sms",
                    False,
                    now - datetime.timedelta(days=365),
                    now,
                    now,
                )
                for i in range(threads)
            ),
            threads,
        )
        current = [project_ids[i // 2] if i % 10 else None for i in range(threads)]
        writer.write(
            Contact.projects.through,
            ["contact_id", "project_id"],
            ((contact_ids[i], current[i]) for i in range(threads) if current[i] is not None),
            None,
        )
        # Each thread's messages: its share of M, over the last year, ending at its last activity.
        base, extra = divmod(messages, threads)
        per_thread = [base + (1 if i < extra else 0) for i in range(threads)]
        last_at = [
            now - datetime.timedelta(minutes=rng.randint(1, 525_600)) for _ in range(threads)
        ]
        thread_ids = writer.write(
            Thread,
            THREAD_COLUMNS,
            (
                (
                    org_id,
                    contact_ids[i],
                    current[i],
                    i % 97 == 0,
                    now if i % 97 == 0 else None,
                    i % 53 == 0,
                    now if i % 53 == 0 else None,
                    i % 211 == 0,
                    now if i % 211 == 0 else None,
                    last_at[i],
                    LINES[i % len(LINES)] if per_thread[i] else "",
                    last_at[i] if per_thread[i] else None,
                    last_at[i] - datetime.timedelta(days=365),
                )
                for i in range(threads)
            ),
            threads,
        )
        staff_ids = [user.pk for user in users]
        writer.write(
            Message,
            MESSAGE_COLUMNS,
            self.message_rows(org_id, thread_ids, current, per_thread, last_at, staff_ids),
            None,
        )
        unread = []
        for user_id in staff_ids:
            for index in rng.sample(range(threads), max(1, int(threads * UNREAD_SHARE))):
                if index % 53 and index % 211:  # not archived, not spam
                    unread.append(
                        (
                            user_id,
                            thread_ids[index],
                            last_at[index],
                            current[index],
                            index % 97 == 0,
                        )
                    )
        columns = ["user_id", "thread_id", "since", "thread_project_id", "thread_flagged"]
        writer.write(UnreadThread, columns, unread, None)
        writer.finish()

    def message_rows(
        self,
        org_id: int,
        thread_ids: Sequence[int],
        projects: Sequence[int | None],
        per_thread: Sequence[int],
        last_at: Sequence[datetime.datetime],
        staff_ids: Sequence[int],
    ) -> Iterator[tuple[Any, ...]]:
        for index, thread_id in enumerate(thread_ids):
            count = per_thread[index]
            for position in range(count):
                # Newest message last; the thread's last one is inbound (so previews read right).
                moment = last_at[index] - datetime.timedelta(hours=(count - 1 - position) * 7)
                inbound = (count - 1 - position) % 2 == 0
                # One staff message in about 50 is an internal note (never sent: no channel).
                note = not inbound and (index + position) % 50 == 1
                yield (
                    org_id,
                    thread_id,
                    "in" if inbound else "int" if note else "out",
                    LINES[(index + position) % len(LINES)],
                    None if inbound else staff_ids[(index + position) % len(staff_ids)],
                    "" if note else "sms",
                    "received" if inbound else "internal" if note else "delivered",
                    "",
                    "",
                    "",
                    projects[index],
                    moment,
                    moment,
                    0 if inbound or note else 1,
                    0,
                    "",
                    "",
                    "",
                )
