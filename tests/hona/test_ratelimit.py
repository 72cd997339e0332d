"""A firm number's pace: texts reach Twilio spaced out, even when one send's request is slow."""

from __future__ import annotations

import itertools
import os
import time
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings

from hona import ratelimit


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Clock:
    settings.REDIS_URL = ""  # the in-process store: its clock is time.time, set by the test
    monkeypatch.setattr(ratelimit, "_local_free", {})
    monkeypatch.setattr(ratelimit, "_local_sent", {})
    monkeypatch.setattr(ratelimit, "_local_pace", {})
    fake = Clock()
    monkeypatch.setattr(ratelimit.time, "time", fake)
    return fake


def test_the_next_text_keeps_its_spacing_from_when_twilio_took_the_last_one(clock: Clock) -> None:
    number = "+18005550100"
    assert ratelimit.take_slot(number, 2)[0] == 0.0
    # The first request took 0.4 s to reach Twilio and come back (a new connection).
    clock.now += 0.4
    ratelimit.mark_sent(number, 2)
    # The second text's slot (0.525 s after the first) is due, but Twilio took the first only
    # 0.125 s before it: it waits the rest of the half-interval (0.25 s) from Twilio's answer.
    clock.now += 0.125
    wait, slot = ratelimit.take_slot(number, 2)
    assert wait == pytest.approx(0.125)
    clock.now += wait
    assert ratelimit.take_slot(number, 2, held=slot) == (0.0, slot)


def test_a_prompt_answer_changes_nothing_in_the_pace(clock: Clock) -> None:
    number = "+18005550100"
    assert ratelimit.take_slot(number, 2)[0] == 0.0
    clock.now += 0.01
    ratelimit.mark_sent(number, 2)
    wait, _slot = ratelimit.take_slot(number, 2)
    assert wait == pytest.approx(0.525 - 0.01)


def test_a_number_with_no_limit_is_never_held(clock: Clock) -> None:
    ratelimit.mark_sent("+18005550100", 0)
    assert ratelimit.take_slot("+18005550100", 0) == (0.0, 0.0)


def run_burst(clock: Clock, number: str, rate: float, texts: int, stall: float) -> list[float]:
    """When each of `texts` queued texts is let go: each takes its slot, then the worker is busy
    for `stall` seconds (another firm's work, a slow answer from Twilio); every task comes back
    when take_slot says, in order of the time it asked for."""
    # (when it runs, which text, the slot it holds once it took one)
    due: list[tuple[float, int, float | None]] = [(clock.now, i, None) for i in range(texts)]
    sent: list[float] = []
    busy_until, stalled = clock.now, False
    while due:
        due.sort(key=lambda run: (run[0], run[1]))
        when, text, held = due.pop(0)
        clock.now = max(when, busy_until)
        wait, slot = ratelimit.take_slot(number, rate, held=held)
        if wait > 0:
            due.append((clock.now + wait, text, slot))
            continue
        sent.append(clock.now)
        ratelimit.mark_sent(number, rate)
        if len(sent) == 1:
            stalled = True
        if stalled and all(run[2] is not None for run in due):
            busy_until, stalled = clock.now + stall, False
    return sent


def most_in_a_second(times: list[float]) -> int:
    return max(sum(1 for t in times if s <= t < s + 1) for s in times)


@pytest.mark.parametrize("stall", [0.0, 1.0, 2.0, 3.5])
def test_texts_that_come_back_late_catch_up_at_no_more_than_one_over_the_rate(
    clock: Clock, stall: float
) -> None:
    sent = run_burst(clock, "+18005550100", 2, texts=10, stall=stall)
    assert len(sent) == 10
    # Never more than one text over the number's rate in any second, even while the texts the
    # stall held up catch up.
    assert most_in_a_second(sent) <= 3, sent
    # And no slot goes unused: once the worker is free, each text follows the last within the
    # number's interval (0.525 s at 2 a second), so the stall delays the burst by no more than
    # its own length.
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    usual = sorted(gaps)[:-1] if stall else gaps  # all but the stall's own
    assert max(usual) <= 0.525 + 1e-6, gaps
    assert sent[-1] - sent[0] <= 9 * 0.525 + stall + 1e-6, sent


@pytest.mark.skipif(
    not django_settings.REDIS_URL and not os.environ.get("CI"),
    reason="the shared pace lives in Redis: needs REDIS_URL (as in CI)",
)
def test_in_redis_texts_that_come_back_late_catch_up_at_no_more_than_one_over_the_rate() -> None:
    """The same burst on every worker's shared store, on Redis's own clock, at 10 a second."""
    client = ratelimit._redis()
    number = f"+1877{uuid.uuid4().int % 10**7:07d}"  # never used: no earlier run's pace
    rate, interval = 10, 0.105
    held = [ratelimit.take_slot(number, rate) for _ in range(8)]
    sent = [client.time()] if held[0][0] == 0 else []
    time.sleep(0.6)  # the worker was busy: every held text is late now, and all come back at once
    waiting = [(time.monotonic(), slot) for _wait, slot in held[1:]]
    while waiting:
        waiting.sort()
        when, slot = waiting.pop(0)
        time.sleep(max(0.0, when - time.monotonic()))
        wait, _slot = ratelimit.take_slot(number, rate, held=slot)
        if wait > 0:
            waiting.append((time.monotonic() + wait, slot))
        else:
            sent.append(client.time())
    times = [seconds + micros / 1_000_000 for seconds, micros in sent]
    assert len(times) == 8
    # In any 1.9 intervals (as 1 s is at 2 a second) at most 3 texts: one over the rate.
    window = 1.9 * interval
    assert max(sum(1 for t in times if s <= t < s + window) for s in times) <= 3, times
    gaps = [b - a for a, b in itertools.pairwise(times[1:])]
    assert max(gaps) <= interval + 0.03, gaps  # and once free, none waits longer than its pace
