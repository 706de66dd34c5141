"""Prompt builders: the exact messages sent, secrets masked, material cut to size."""

from __future__ import annotations

from connectors.sdk.models import ItemState, Label, PullRequest, RepoRef, User
from connectors.sdk.redact import register_secret
from server.hub.ai import (
    describe_diff,
    draft_issue,
    explain_failure,
    parse_issue_draft,
    preview,
    summarise_pr,
)
from server.hub.ai.prompts import MAX_DIFF, cut
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="octo", name="app")
SECRET = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
DIFF = f"""diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,2 +1,3 @@
 import os
+API_KEY = "{SECRET}"
+ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
"""


def _pr() -> PullRequest:
    return PullRequest(
        ref=numbered(REPO, 7, pull=True),
        title="Cache the tokens",
        state=ItemState.OPEN,
        url="https://github.com/octo/app/pull/7",
        author=User(login="ada"),
        labels=(Label(name="perf"),),
        body="Keeps tokens for an hour.",
        head_ref="cache",
        base_ref="main",
    )


def test_summarise_pr_holds_the_pr_and_its_masked_diff() -> None:
    register_secret(SECRET)
    p = summarise_pr(_pr(), DIFF)
    assert p.purpose == "summarise_pr" and [t.role for t in p.turns] == ["system", "user"]
    user = p.turns[1].content
    assert "Cache the tokens" in user and "cache into main" in user and "Labels: perf" in user
    assert "Keeps tokens for an hour." in user and "+import" not in user
    assert SECRET not in user and "ghp_0123456789" not in user
    assert p.masked >= 2
    assert "[REDACTED]" in user


def test_explain_failure_keeps_the_end_of_the_log_without_colours() -> None:
    failed = "\x1b[31mE   AssertionError: 1 != 2\x1b[0m"
    log = "\n".join(f"line {i}" for i in range(5000)) + "\n" + failed
    p = explain_failure("pytest", log, pipeline="CI")
    user = p.turns[1].content
    assert "E   AssertionError: 1 != 2" in user and "\x1b" not in user
    assert "line 0\n" not in user and "lines left out" in user
    assert "CI / pytest" in user and p.title == "Why pytest failed"


def test_draft_issue_asks_for_json_and_reads_the_answer() -> None:
    p = draft_issue("TODO: retry on 503", path="src/net/client.py", line=42, code="def get(): ...")
    assert p.json_answer and "JSON" in p.turns[0].content
    assert "src/net/client.py, line 42" in p.turns[1].content
    fenced = 'Here it is:\n```json\n{"title": "Retry on 503", "body": "In `get`."}\n```'
    draft = parse_issue_draft(fenced)
    assert draft.title == "Retry on 503" and draft.body == "In `get`."
    loose = parse_issue_draft("# Retry on 503\nThe client gives up.")
    assert loose.title == "Retry on 503" and loose.body == "The client gives up."


def test_describe_diff_cuts_a_long_diff() -> None:
    big = "\n".join(f"+line {i}" for i in range(10_000))
    user = describe_diff(big).turns[1].content
    assert len(user) < MAX_DIFF + 1_000 and "lines left out" in user


def test_cut_keeps_whole_lines() -> None:
    text = "aaaa\nbbbb\ncccc\ndddd"
    assert cut(text, 100) == text
    assert cut(text, 10) == "aaaa\nbbbb\n[... 2 lines left out ...]"
    assert cut(text, 10, tail=True) == "[... 2 lines left out ...]\ncccc\ndddd"


def test_preview_shows_every_message_verbatim() -> None:
    p = describe_diff("+x = '```'")
    shown = preview(p, model="gpt-4o-mini")
    assert "Model: `gpt-4o-mini`" in shown and "## system" in shown and "## user" in shown
    assert p.turns[1].content in shown
    assert "````" in shown  # a fence longer than any in the content
