"""The hub's HTTP stack under faults, the same for every connector: transient failures are
retried, a lasting outage and a revoked token are reported once and plainly, a short 429 is
waited out and a long one hands back control without another request.

Each connector's ``check()`` (the call that proves a sign-in) is the probe: it reaches the
service through the full stack the hub builds for it, and a failed check keeps the error it
came from (``CheckResult.error``), which the hub raises: a refused token and an outage must
not read the same. The stand-ins answer each fault in
their service's own dialect (status line, error body, rate-limit headers), so this suite
also shows each manifest reads that dialect. What is specific to one service (its error
wording, its budget headers) stays in that service's ``test_stack`` / ``test_http`` module.
"""

from __future__ import annotations

import time

import pytest

from connectors.sdk import RateLimited, ReauthRequired, ServiceUnavailable
from tests.capabilities.conftest import Subject
from tests.standin.harness import FAST_RETRY
from tests.standin.kit import StandIn


def _standin(s: Subject) -> StandIn:
    assert s.standin is not None
    return s.standin


async def _check(s: Subject) -> None:
    """The connector's check; a failure raised as the error the check kept."""
    result = await s.connector.check()
    if not result.ok:
        assert result.error is not None, f"{s.name}: a failed check kept no error: {result}"
        raise result.error


def _failed(standin: StandIn) -> int:
    return sum(1 for e in standin.log if e.status in (-1, 429) or e.status >= 500)


@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_transient_failures_are_retried(service: Subject, kind: str) -> None:
    standin = _standin(service)
    standin.reset_log()
    standin.inject(kind, count=2)
    await _check(service)
    assert _failed(standin) == 2 and 200 <= standin.log[-1].status < 300


async def test_a_lasting_outage_is_reported_after_the_retries(service: Subject) -> None:
    standin = _standin(service)
    standin.reset_log()
    standin.inject("500", count=50)
    with pytest.raises(ServiceUnavailable) as err:
        await _check(service)
    assert len(standin.log) == FAST_RETRY.attempts  # the policy's attempts, then no more
    assert err.value.message.startswith(service.connector.manifest().name)


async def test_a_401_asks_to_sign_in_again_without_retrying(service: Subject) -> None:
    standin = _standin(service)
    standin.reset_log()
    standin.inject("401")
    with pytest.raises(ReauthRequired):
        await _check(service)
    assert len(standin.log) == 1


async def test_a_short_retry_after_is_waited_out(service: Subject) -> None:
    standin = _standin(service)
    standin.reset_log()
    standin.inject("retry_after", seconds=1)
    started = time.monotonic()
    await _check(service)
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured
    assert [e.status for e in standin.log][:1] == [429]


async def test_a_429_storm_hands_back_control_without_hammering(service: Subject) -> None:
    """A limit that resets in two minutes is not slept through: RateLimited says when to
    come back, and nothing more is sent before then."""
    standin = _standin(service)
    standin.reset_log()
    # Waits longer than this are handed back (Trello's limit window is 10 s, the default).
    service.http.stack.limiter.max_wait = 2.0
    standin.inject("ratelimit", count=50, seconds=120)
    with pytest.raises(RateLimited) as err:
        await _check(service)
    sent = len(standin.log)
    for _ in range(3):
        with pytest.raises(RateLimited):
            await _check(service)
    assert err.value.retry_after > service.http.stack.limiter.max_wait
    assert sent == 1 and len(standin.log) == sent
