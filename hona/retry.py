"""The one retry policy of every task: exponential backoff with full jitter, capped.

Full jitter (a wait drawn evenly between 0 and the exponential ceiling) spreads the retries of
many tasks that failed together, so an outside service that comes back is not hit by all of them
at the same moment. A wait the other side asks for (Retry-After, a sending rate) is honoured as
it is instead: that is not a retry after a failure.
"""

from __future__ import annotations

import random
from typing import Any, NoReturn

BASE_SECONDS = 5.0
CAP_SECONDS = 600.0


def backoff(attempt: int, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first)."""
    ceiling = min(cap, base * 2 ** max(attempt, 0))
    return random.uniform(0, ceiling)


def is_last_attempt(task: Any) -> bool:
    """Whether this run of a bound Celery task is its last (the give-up path follows)."""
    return bool(task.request.retries >= task.max_retries)


def retry(task: Any, error: BaseException, *, base: float = BASE_SECONDS) -> NoReturn:
    """Run a bound Celery task again later, after the policy's wait."""
    raise task.retry(exc=error, countdown=backoff(task.request.retries, base=base)) from None
