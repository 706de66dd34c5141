"""``bench.ci_panel`` once per provider on a tiny setting -- the shortest poll interval, one
job finishing -- so the end-to-end benchmark cannot rot unnoticed: the server attaches to
the stand-in from the checkout's remote and marker, the CI panel shows the running
pipeline's job, and after the job finishes on the stand-in the panel shows it passed.
No timing is asserted (benchmarks print those)."""

from __future__ import annotations

import pytest

from bench import ci_panel


@pytest.mark.parametrize("name", sorted(ci_panel.PROVIDERS))
async def test_a_finished_job_reaches_the_panel(name: str) -> None:
    (took,) = await ci_panel.measure(name, interval=5, finishes=1)
    assert took > 0
