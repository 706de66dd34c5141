"""When a failed message is tried again: Svix's schedule, with jitter.

After the first attempt fails, retries follow 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
later (https://docs.svix.com/retries): eight attempts over about 27 hours, after which the
message is *failed* (``tieline webhooks recover`` sends it again). Each delay is stretched by
up to ``JITTER`` (10 %) at random, so that messages which failed together (the receiver was
down) do not all come back in the same second; never shortened, so the receiver always gets
at least the documented pause.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

#: Seconds to wait after failed attempt 1, 2, ... (index 0 follows the first attempt).
SVIX_SCHEDULE: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
JITTER = 0.1


def retry_delay(
    attempt: int,
    *,
    schedule: Sequence[float] = SVIX_SCHEDULE,
    rng: Callable[[], float] = random.random,
    jitter: float = JITTER,
) -> float | None:
    """Seconds until the attempt after failed attempt number ``attempt`` (1-based), or
    ``None`` when the schedule is used up and the message has failed."""
    if attempt < 1 or attempt > len(schedule):
        return None
    base = schedule[attempt - 1]
    return base * (1.0 + jitter * rng())


def total_attempts(schedule: Sequence[float] = SVIX_SCHEDULE) -> int:
    """How many attempts a message gets in all (the first plus one per delay)."""
    return len(schedule) + 1
