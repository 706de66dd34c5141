"""Search by meaning end to end: the real server over stdio, the GitHub stand-in's issues
mirrored, a vault note in the workspace, and the deterministic embedder (tests/vectors/
embedder.py) installed as a connector through an entry point.

Off by default: without ``vectors.enabled`` nothing reaches the embedding service (its log
stays empty), hovers have no Related section and Reindex says how to turn it on. On:
Reindex embeds with ``$/progress``, a second one embeds nothing, the search command offers a
quick pick whose choice opens with ``window/showDocument``, an issue's hover lists its
related items, and a sync's new issue is embedded after it without asking."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, env, installed_connectors, open_doc, run_command, start_client
from tests.lsp.test_features import find, hover_at, wait_synced

__all__ = ["env"]  # the fixture, used by name

TOTAL = 6  # the open issues and pull requests (4), NOTES.md and the note
NOTE = "# Startup crash\n\nThe app crashes on start while the loader reads the config.\n"


def _extra(e: Env, tmp: Path, *, enabled: bool) -> dict[str, str]:
    site = installed_connectors(
        tmp / "site", "tieline-hashembed", {"hashembed": "tests.vectors.embedder:HashEmbed"}
    )
    (e.root / ".obsidian").mkdir()
    (e.root / "notes").mkdir()
    (e.root / "notes" / "startup-crash.md").write_text(NOTE)
    extra = {
        "PYTHONPATH": f"{site}:{Path.cwd()}",
        "TIELINE_HASHEMBED_TOKEN": "tok-hashembed-abcdefgh12",
        "HASHEMBED_LOG": str(tmp / "embedded.log"),
        "TIELINE_VECTORS__EMBEDDINGS": "hashembed",
        "TIELINE_SYNC__REFRESH_DEBOUNCE": "0.1",
    }
    if enabled:
        extra["TIELINE_VECTORS__ENABLED"] = "true"
    return extra


def _batches(tmp: Path) -> list[list[str]]:
    """The texts sent to the embedding service, batch by batch."""
    log = tmp / "embedded.log"
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def _sent(tmp: Path) -> list[int]:
    return [len(b) for b in _batches(tmp)]


async def _reindex(c: LanguageClient, total: int) -> list[dict[str, Any]]:
    """Reindex until ``total`` items are indexed: the embedder's session opens beside
    GitHub's, whose first sync mirrors the issues a moment later."""
    runs: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        assert loop.time() < deadline, runs[-3:]
        try:
            got: dict[str, Any] = await run_command(c, "tieline.reindex")
        except Exception as exc:
            if "sign in to hashembed" not in str(exc):
                raise
        else:
            runs.append(got)
            if got["embedded"] + got["unchanged"] >= total:
                return runs
        await asyncio.sleep(0.2)


async def test_off_by_default_nothing_is_sent(env: Env, tmp_path: Path) -> None:
    c = await start_client(env, **_extra(env, tmp_path, enabled=False))
    try:
        await wait_synced(c)
        with pytest.raises(Exception, match=r"vectors\.enabled"):
            await run_command(c, "tieline.reindex")
        notes = open_doc(c, env.root / "NOTES.md", "markdown")
        card = await hover_at(c, notes, *find(env.root / "NOTES.md", "#1;"))
        assert card is not None and "Crash on start" in card and "Related" not in card
        assert _sent(tmp_path) == []
    finally:
        await c.shutdown_session()


async def test_reindex_search_and_related_on_hover(env: Env, tmp_path: Path) -> None:
    c = await start_client(env, **_extra(env, tmp_path, enabled=True))
    try:
        await wait_synced(c)
        runs = await _reindex(c, TOTAL)
        assert runs[-1]["embedded"] + runs[-1]["unchanged"] == TOTAL
        # each text embedded once, by a Reindex or by the pass after the first sync
        assert sum(_sent(tmp_path)) == TOTAL
        assert all(r["removed"] == 0 for r in runs)
        mine = [
            r
            for r in c.progress_reports.values()
            if r and getattr(r[0], "title", "") == "Indexing for search by meaning"
        ]
        assert len(mine) == len(runs)
        assert all(isinstance(r[-1], types.WorkDoneProgressEnd) for r in mine)
        assert any(isinstance(x, types.WorkDoneProgressReport) for r in mine for x in r)

        again = await run_command(c, "tieline.reindex")
        assert again["embedded"] == 0 and again["unchanged"] == TOTAL
        assert sum(_sent(tmp_path)) == TOTAL

        listed = await run_command(
            c, "tieline.semanticSearch", "crashes while the loader reads the config", False
        )
        assert listed["items"][0]["title"] == "Startup crash"
        assert {i["kind"] for i in listed["items"]} >= {"note", "issue", "pr"}

        c.messages.clear()
        picked = await run_command(c, "tieline.semanticSearch", "refactor the config")
        assert picked["picked"]["title"] == "Refactor config"  # the first action: the nearest
        assert picked["opened"] == "https://github.com/octo/app/pull/4"
        (shown,) = c.shown_documents
        assert shown.uri == "https://github.com/octo/app/pull/4" and shown.external

        notes = open_doc(c, env.root / "NOTES.md", "markdown")
        card = await hover_at(c, notes, *find(env.root / "NOTES.md", "#1;"))
        assert card is not None and "**Related**" in card
        related = card.split("**Related**", 1)[1]
        assert "Startup crash" in related and "Crash on start" not in related
        assert "<script>" not in card

        # a sync that brings a new issue: embedded after it, and only it
        env.github.state.add_issue(  # type: ignore[union-attr]
            "octo/app", "Dark mode colours unreadable", author="hubot"
        )
        before = len(_batches(tmp_path))
        await run_command(c, "tieline.refresh")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not (new := _batches(tmp_path)[before:]):
            assert loop.time() < deadline, "the new issue was never embedded"
            await asyncio.sleep(0.1)
        assert new == [["Dark mode colours unreadable"]]
        listed = await run_command(c, "tieline.semanticSearch", "dark mode colours", False)
        assert listed["items"][0]["title"] == "Dark mode colours unreadable"
    finally:
        await c.shutdown_session()
