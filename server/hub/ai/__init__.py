"""AI features of the hub: prompts shown before they are sent, answers streamed, and a
local log of what each request used and cost (:mod:`.prompts`, :mod:`.usage`)."""

from __future__ import annotations

from .prompts import (
    IssueDraft,
    Prompt,
    describe_diff,
    draft_issue,
    explain_failure,
    parse_issue_draft,
    preview,
    summarise_pr,
)
from .usage import Prices, UsageLog, UsageSummary, cost_of

__all__ = [
    "IssueDraft",
    "Prices",
    "Prompt",
    "UsageLog",
    "UsageSummary",
    "cost_of",
    "describe_diff",
    "draft_issue",
    "explain_failure",
    "parse_issue_draft",
    "preview",
    "summarise_pr",
]
