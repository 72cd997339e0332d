"""A firm number's pace: texts reach Twilio spaced out, even when one send's request is slow."""

from __future__ import annotations

from typing import Any

import pytest

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
