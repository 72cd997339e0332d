"""The unread badge costs the same however many threads a firm has.

Run with `make bench`. Builds a firm with 20 staff and N threads, about 2% of them unread for each
staff member, and times one user's badge count at N = 1,000 and N = 10,000.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.utils import timezone

from hona.actions import create_organization, create_staff_user
from hona.models import Organization, User
from messaging.models import Contact, Thread, UnreadThread
from notifications.queries import unread_thread_count

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

UNREAD_PER_USER = 20
RUNS = 200


def build_firm(name: str, number: str, threads: int) -> list[User]:
    firm: Organization = create_organization(name=name, sms_number=number)
    users = [
        create_staff_user(organization=firm, username=f"{name}-{i}", password=None)
        for i in range(20)
    ]
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(organization=firm, name=f"Client {i}") for i in range(threads)
    )
    created = Thread.objects.bulk_create(
        Thread(organization=firm, contact=contact, last_message_at=now) for contact in contacts
    )
    UnreadThread.objects.bulk_create(
        UnreadThread(user=user, thread=created[(u * 37 + k * 11) % threads], since=now)
        for u, user in enumerate(users)
        for k in range(UNREAD_PER_USER)
    )
    return users


def median_ms(user: User) -> tuple[float, float]:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        count = unread_thread_count(user)
        timings.append((time.perf_counter() - start) * 1000)
    assert count == UNREAD_PER_USER
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)]


def test_badge_cost_does_not_grow_with_the_number_of_threads() -> None:
    small = build_firm("small", "+18885550001", 1_000)[0]
    large = build_firm("large", "+18885550002", 10_000)[0]
    median_ms(small)  # warm up
    small_median, small_p95 = median_ms(small)
    large_median, large_p95 = median_ms(large)
    ratio = large_median / small_median
    print(
        f"\nunread badge, {UNREAD_PER_USER} unread, median of {RUNS} runs: "
        f"1,000 threads {small_median:.3f} ms (p95 {small_p95:.3f}); "
        f"10,000 threads {large_median:.3f} ms (p95 {large_p95:.3f}); ratio {ratio:.2f}"
    )
    assert ratio < 2.5, "the badge should not scan every thread"
