"""Retry delays: exponential, capped, with jitter.

"Equal jitter" (half fixed, half random) rather than full jitter: retries of many jobs that
failed together (the service went down) still spread out, yet no retry comes back almost
immediately, which would waste an attempt on an outage that is surely still going on.
"""

from __future__ import annotations

import random
from collections.abc import Callable

BASE_DELAY = 2.0
MAX_DELAY = 15 * 60.0


def backoff_delay(
    attempt: int,
    *,
    base: float = BASE_DELAY,
    cap: float = MAX_DELAY,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    The delay lies in ``[d/2, d]`` where ``d = min(cap, base * 2 ** (attempt - 1))``.
    """
    d = min(cap, base * 2.0 ** max(0, attempt - 1))
    return d / 2 + rng() * d / 2
