"""The AI usage log: model, tokens, cost, purpose and time of every request -- never its
content -- in the hub's store (table ``ai_usage``), and the summary ``tieline.aiUsage``
shows.

Costs come from the prices the user set (US dollars per million tokens, input and output);
the services report tokens only. A model without a price is logged with ``cost`` NULL and
counted as "unpriced" in the summary rather than as free.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.sdk.ai import Usage
from server.hub.store.database import Database

#: ``{model: (input, output)}`` US dollars per million tokens.
Prices = Mapping[str, tuple[float, float]]


def cost_of(model: str, usage: Usage, prices: Prices) -> float | None:
    """What ``usage`` of ``model`` cost, or ``None`` when no price is known. A dated model
    (``gpt-4o-mini-2024-07-18``) takes its family's price when it has none of its own."""
    price = prices.get(model)
    if price is None:
        family = max((m for m in prices if model.startswith(m + "-")), key=len, default=None)
        price = prices.get(family) if family else None
    if price is None:
        return None
    given, taken = price
    return (usage.input_tokens * given + usage.output_tokens * taken) / 1_000_000


@dataclass(frozen=True)
class UsageRow:
    """One line of the summary: a model used for a purpose."""

    model: str
    purpose: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost: float
    unpriced: int  # requests without a known price (not in ``cost``)


@dataclass(frozen=True)
class UsageSummary:
    since: float
    rows: tuple[UsageRow, ...] = ()
    total_cost: float = 0.0
    requests: int = 0
    unpriced: int = 0
    by_model: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "since": self.since,
            "requests": self.requests,
            "totalCost": round(self.total_cost, 6),
            "unpriced": self.unpriced,
            "rows": [
                {
                    "model": r.model,
                    "purpose": r.purpose,
                    "requests": r.requests,
                    "inputTokens": r.input_tokens,
                    "outputTokens": r.output_tokens,
                    "cost": round(r.cost, 6),
                    "unpriced": r.unpriced,
                }
                for r in self.rows
            ],
        }

    def markdown(self) -> str:
        if not self.rows:
            return "No AI requests logged yet."
        out = [
            "| Model | Purpose | Requests | Input tokens | Output tokens | Cost (USD) |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for r in self.rows:
            cost = f"{r.cost:.4f}" + (f" (+{r.unpriced} unpriced)" if r.unpriced else "")
            out.append(
                f"| {r.model} | {r.purpose} | {r.requests} | {r.input_tokens} | "
                f"{r.output_tokens} | {cost} |"
            )
        out.append(f"\nTotal: {self.requests} requests, {self.total_cost:.4f} USD")
        if self.unpriced:
            out.append(f" ({self.unpriced} without a price: set `prices` to count them)")
        return "\n".join(out)


class UsageLog:
    """``ai_usage`` in the hub's database (migration 0005)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        connector: str,
        account: str,
        model: str,
        purpose: str,
        usage: Usage,
        prices: Prices,
        ok: bool = True,
        at: float | None = None,
    ) -> float | None:
        """Log one request; returns its cost (``None``: no price known)."""
        cost = cost_of(model, usage, prices)
        await self.db.execute(
            "INSERT INTO ai_usage (at, connector, account, model, purpose, input_tokens,"
            " output_tokens, cost, ok) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time() if at is None else at,
                connector,
                account,
                model,
                purpose,
                usage.input_tokens,
                usage.output_tokens,
                cost,
                int(ok),
            ),
        )
        return cost

    async def summary(self, *, since: float = 0.0) -> UsageSummary:
        rows = await self.db.fetchall(
            "SELECT model, purpose, COUNT(*) AS n, SUM(input_tokens) AS i,"
            " SUM(output_tokens) AS o, COALESCE(SUM(cost), 0) AS c,"
            " SUM(cost IS NULL) AS u FROM ai_usage WHERE at >= ?"
            " GROUP BY model, purpose ORDER BY c DESC, n DESC, model, purpose",
            (since,),
        )
        out = tuple(
            UsageRow(r["model"], r["purpose"], r["n"], r["i"], r["o"], r["c"], r["u"]) for r in rows
        )
        by_model: dict[str, float] = {}
        for r in out:
            by_model[r.model] = by_model.get(r.model, 0.0) + r.cost
        return UsageSummary(
            since=since,
            rows=out,
            total_cost=sum(r.cost for r in out),
            requests=sum(r.requests for r in out),
            unpriced=sum(r.unpriced for r in out),
            by_model=by_model,
        )
