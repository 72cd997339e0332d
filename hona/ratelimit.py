"""The sending rate of each firm number, shared by every worker.

Twilio queues what a number cannot send at once, and a burst that overflows that queue is lost
(21611 / 30001), so we pace ourselves: each send takes the next free slot of its number. With
REDIS_URL the slots live in Redis (one atomic script, so all workers share them); without it, in
this process.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from django.conf import settings

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

_local_lock = threading.Lock()
_local_free: dict[str, float] = {}
_redis_client = None


def _redis() -> object:
    global _redis_client
    if _redis_client is None:
        import redis

        # A hung Redis raises instead of holding the worker; the caller retries later.
        _redis_client = redis.Redis.from_url(
            str(settings.REDIS_URL), socket_timeout=5, socket_connect_timeout=2
        )
    return _redis_client


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
        result = client.eval(  # type: ignore[attr-defined]
            _SCRIPT, 1, f"hona:sms-rate:{number}", repr(interval), repr(max_wait)
        )
        return float(result)
    now = time.time()
    with _local_lock:
        slot = max(now, _local_free.get(number, 0.0))
        wait = slot - now
        if wait > max_wait:
            return -wait
        _local_free[number] = slot + interval
        return wait
