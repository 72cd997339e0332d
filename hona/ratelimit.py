"""The sending rate of each firm number, shared by every worker.

Twilio queues what a number cannot send at once, and a burst that overflows that queue is lost
(21611 / 30001), so we pace ourselves: each send takes the next free slot of its number. With
REDIS_URL the slots live in Redis (one atomic script, so all workers share them); without it, in
this process.

Texts use `take_slot`: the wait for a slot is spent in the broker, never asleep in a worker that
another firm's texts need. `reserve_slot` (Clio's rate per token) may have the caller sleep a
few seconds at most.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

from django.conf import settings

from hona.redis_client import shared_redis

# Reserve the next slot when it is at most `max_wait` seconds away; otherwise say how long to wait
# without reserving, so a long queue waits in the broker, not in a sleeping worker.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
local wait = slot - now
if wait > max_wait then
  return tostring(-wait)
end
local ttl = math.ceil((wait + interval) * 1000) + 1000
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', ttl)
return tostring(wait)
"""

# A send takes the next free slot of its number once (however far off: a burst is queued in order,
# each send at its own time, and nothing asks again and again), then leaves the worker until the
# slot is due and comes back holding it. It is sent then, unless that would put the number ahead
# of its pace (the sends it has let go, one interval each from the later of the last one's time
# and now: a generic cell rate, with one send of tolerance) or closer than half the interval to
# the last send. So when sends come back late together (their worker was busy), they catch up at
# most one send ahead of the rate, never in a rush: no second ever holds more than one text over
# the rate. And a late send never drags the slots after it beyond that: once the pace allows,
# each goes at its slot.
_TAKE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval = tonumber(ARGV[1])
local slot = tonumber(ARGV[2])
local early = tonumber(ARGV[3])
local spacing = tonumber(ARGV[4])
if slot <= 0 then
  local free = tonumber(redis.call('GET', KEYS[1]) or '0')
  slot = math.max(now, free)
  local ttl = math.ceil((slot - now + interval) * 1000) + 1000
  redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', ttl)
end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local pace = tonumber(redis.call('GET', KEYS[3]) or '0')
local due = math.max(slot, last + spacing, pace - interval)
if due - now > early then
  return {tostring(due - now), tostring(slot)}
end
redis.call('SET', KEYS[2], tostring(now), 'PX', math.ceil(spacing * 1000) + 1000)
pace = math.max(pace, now) + interval
redis.call('SET', KEYS[3], tostring(pace), 'PX', math.ceil((pace - now) * 1000) + 1000)
return {'0', tostring(slot)}
"""
# A run this early for its slot sends all the same (the broker's timers are not exact); the 5%
# margin on the interval below covers it.
EARLY = 0.01

_local_lock = threading.Lock()
_local_free: dict[str, float] = {}
_local_sent: dict[str, float] = {}  # when each number last sent (take_slot)
_local_pace: dict[str, float] = {}  # each number's pace: when its sends so far are all paid for


def _redis() -> Any:
    return shared_redis(socket_timeout=5)


def reserve_slot(number: str, per_second: Decimal | float, *, max_wait: float = 1.0) -> float:
    """Seconds to wait before sending from `number`: >= 0 means the slot is ours (sleep that
    long, then send); < 0 means try again in that many seconds."""
    rate = float(per_second)
    if rate <= 0:
        return 0.0
    # 5% slower than the limit, so network jitter never shows the provider a burst above it.
    interval = 1.05 / rate
    if settings.REDIS_URL:
        # One clock (Redis's) and one atomic step for every worker on every machine.
        client = _redis()
        result = client.eval(_SCRIPT, 1, f"hona:sms-rate:{number}", repr(interval), repr(max_wait))
        return float(result)
    now = time.time()
    with _local_lock:
        slot = max(now, _local_free.get(number, 0.0))
        wait = slot - now
        if wait > max_wait:
            return -wait
        _local_free[number] = slot + interval
        return wait


def take_slot(
    number: str, per_second: Decimal | float, *, held: float | None = None
) -> tuple[float, float]:
    """(wait, slot): the slot of the number's rate this send goes in, on the rate's clock, and
    the seconds until it. A wait of 0 means send now; otherwise the caller leaves the worker (back
    to the broker for `wait` seconds) and comes back with held=slot, never sleeping on it."""
    rate = float(per_second)
    if rate <= 0:
        return 0.0, 0.0
    interval = 1.05 / rate  # slots 5% apart more than the limit, so jitter never shows a burst
    spacing = 0.5 / rate  # two sends are never closer than half the limit's interval
    if settings.REDIS_URL:
        client = _redis()
        key = f"hona:sms-rate:{number}"
        wait, slot = client.eval(
            _TAKE_SCRIPT, 3, key, f"{key}:sent", f"{key}:pace",
            repr(interval), repr(held or 0.0), repr(EARLY), repr(spacing),
        )  # fmt: skip
        return float(wait), float(slot)
    now = time.time()
    with _local_lock:
        slot = held or 0.0
        if slot <= 0:
            slot = max(now, _local_free.get(number, 0.0))
            _local_free[number] = slot + interval
        pace = _local_pace.get(number, 0.0)
        due = max(slot, _local_sent.get(number, 0.0) + spacing, pace - interval)
        if due - now > EARLY:
            return due - now, slot
        _local_sent[number] = now
        _local_pace[number] = max(pace, now) + interval
        return 0.0, slot


_MARK_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now > last then
  redis.call('SET', KEYS[1], tostring(now), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


def mark_sent(number: str, per_second: Decimal | float) -> None:
    """The provider has taken a send from `number`: the next one keeps its spacing from now.

    `take_slot` notes the moment a send was let go, but the request itself takes a while (a new
    connection, a slow answer), so two sends let go half an interval apart could reach the provider
    nearly together. Counting the spacing again from the provider's answer keeps them apart."""
    rate = float(per_second)
    if rate <= 0:
        return
    spacing = 0.5 / rate
    if settings.REDIS_URL:
        client = _redis()
        client.eval(_MARK_SCRIPT, 1, f"hona:sms-rate:{number}:sent", repr(spacing))
        return
    with _local_lock:
        _local_sent[number] = max(_local_sent.get(number, 0.0), time.time())
