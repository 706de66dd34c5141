"""The team hub benchmark (``bench.teamlink``) runs once, so it does not rot unnoticed, and
its figures mean what they print: the same hour costs fewer requests with the link up, and
the pushed events' narrow refreshes still reach the service. No timings are asserted."""

from __future__ import annotations

from bench import teamlink


async def test_the_link_up_hour_costs_fewer_requests_than_polling_alone() -> None:
    # Its first ten minutes: ten polls against two changes' narrow refreshes.
    polled, _, polls = await teamlink.session_hour(link_up=False, seconds=600)
    pushed, _, safety = await teamlink.session_hour(link_up=True, seconds=600)
    assert 0 < pushed < polled
    assert polls == polled  # polling alone: every request is a poll's
    assert safety == 0  # no safety sync falls in ten minutes: the refreshes made them all
