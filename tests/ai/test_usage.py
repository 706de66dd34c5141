"""The usage log: tokens and cost per request, never content; the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.ai import Usage
from server.hub.ai import UsageLog, cost_of
from server.hub.store import Store

PRICES = {"gpt-4o-mini": (0.15, 0.60)}


def test_cost_of() -> None:
    u = Usage(input_tokens=1_000_000, output_tokens=500_000)
    assert cost_of("gpt-4o-mini", u, PRICES) == pytest.approx(0.45)
    assert cost_of("gpt-4o-mini-2024-07-18", u, PRICES) == pytest.approx(0.45)
    assert cost_of("llama", u, PRICES) is None


async def test_record_and_summarise(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "t.db") as store:
        log = UsageLog(store)
        u = Usage(input_tokens=1000, output_tokens=200)
        assert await log.record(
            connector="openai", account="a", model="gpt-4o-mini", purpose="summarise_pr",
            usage=u, prices=PRICES, at=100.0,
        ) == pytest.approx((1000 * 0.15 + 200 * 0.6) / 1e6)  # fmt: skip
        await log.record(
            connector="openai", account="a", model="gpt-4o-mini", purpose="summarise_pr",
            usage=u, prices=PRICES, at=200.0,
        )  # fmt: skip
        await log.record(
            connector="openai", account="a", model="smol", purpose="describe_diff",
            usage=u, prices=PRICES, at=300.0, ok=False,
        )  # fmt: skip
        s = await log.summary()
        assert s.requests == 3 and s.unpriced == 1
        assert s.total_cost == pytest.approx(2 * 0.00027)
        top = s.rows[0]
        assert (top.model, top.purpose, top.requests, top.input_tokens) == (
            "gpt-4o-mini", "summarise_pr", 2, 2000,
        )  # fmt: skip
        assert (await log.summary(since=250.0)).requests == 1
        assert "| gpt-4o-mini | summarise_pr | 2 |" in s.markdown()
        assert s.as_json()["requests"] == 3
        columns = {r["name"] for r in await store.fetchall("PRAGMA table_info(ai_usage)")}
        assert not columns & {"prompt", "content", "answer", "messages"}
